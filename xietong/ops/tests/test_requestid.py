import io
import json
import logging
from logging.config import DictConfigurator

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django_tasks_db.models import DBTaskResult

from xietong.ops.requestid import RequestIdFilter, RequestIdMiddleware, current_request_id
from xietong.ops.tests.sample_tasks import say
from xietong.settings.base import logging_config


def test_a_request_id_is_made_sent_back_and_a_good_one_propagated(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a-9c01")["X-Request-ID"] == "lb-4f2a-9c01"
    for bad in ["short", "x" * 65, "has space here", "new\nline-injected"]:
        assert client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad


def test_log_lines_inside_a_request_carry_its_id_and_json_lines_in_production():
    stream = io.StringIO()
    config = logging_config(json_lines=True)
    # The formatter made exactly as logging.config.dictConfig makes it from the production settings.
    formatter = DictConfigurator(config).configure_formatter(dict(config["formatters"]["json"]))
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    log = logging.getLogger("xietong.ops.tests.lines")
    log.addHandler(handler)
    log.propagate = False

    def view(request):
        log.warning("inside %s", "the view")
        return HttpResponse("ok")

    try:
        RequestIdMiddleware(view)(RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-00000001"))
        log.warning("outside")
    finally:
        log.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside the view" and inside["request_id"] == "req-00000001"
    assert inside["level"] == "WARNING" and inside["logger"] == "xietong.ops.tests.lines" and "time" in inside
    assert outside["request_id"] == "-"
    assert current_request_id() is None  # reset after the request


@pytest.mark.django_db
@override_settings(XIETONG_WORKER_HEARTBEAT_SECONDS=0)
def test_a_task_enqueued_in_a_request_logs_with_its_id_in_the_worker(monkeypatch):
    # The real worker loop, inside the test's transaction (it would close the connection between tasks).
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    enqueued = {}

    def view(request):
        enqueued["id"] = say.enqueue("hello").id
        return HttpResponse("ok")

    RequestIdMiddleware(view)(RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-from-the-bank"))
    say.enqueue("no request")  # outside a request: no id
    row = DBTaskResult.objects.get(pk=enqueued["id"])
    assert row.args_kwargs == {"args": ["hello"], "kwargs": {}, "request_id": "req-from-the-bank"}

    seen = []

    class Catch(logging.Handler):
        def emit(self, record):
            seen.append((record.getMessage(), record.request_id))

    catch = Catch()
    catch.addFilter(RequestIdFilter())
    logging.getLogger("xietong.ops.tests").addHandler(catch)
    try:
        call_command("db_worker", "--backend", "db", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    finally:
        logging.getLogger("xietong.ops.tests").removeHandler(catch)
    assert ("task says hello", "req-from-the-bank") in seen
    assert ("task says no request", "-") in seen
    assert DBTaskResult.objects.get(pk=enqueued["id"]).status == "SUCCESSFUL"
    assert current_request_id() is None

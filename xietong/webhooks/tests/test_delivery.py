from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from xietong.audit.models import AuditEntry
from xietong.cases.models import Case
from xietong.cases.services import case_start_mediation, case_triage
from xietong.core.errors import DomainError
from xietong.webhooks.choices import MAX_ATTEMPTS, DeliveryStatus
from xietong.webhooks.models import WebhookDelivery
from xietong.webhooks.services import delivery_replay, endpoint_create, validate_endpoint_url
from xietong.webhooks.signing import verify

pytestmark = pytest.mark.django_db


def make_endpoint(world, url, who="bank"):
    endpoint, created = endpoint_create(actor=world.users[who], url=url)
    assert created
    return endpoint


def start_mediation(world, capture):
    with capture(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])


def test_transition_delivers_one_signed_event_per_endpoint_of_the_party_institution(
    world, receiver, django_capture_on_commit_callbacks
):
    mine_1 = make_endpoint(world, receiver.url + "/1")
    mine_2 = make_endpoint(world, receiver.url + "/2")
    theirs = make_endpoint(world, receiver.url + "/other", who="other_bank")
    start_mediation(world, django_capture_on_commit_callbacks)

    case = world.cases["bank"]
    assert WebhookDelivery.objects.filter(endpoint=mine_1).count() == 1
    assert WebhookDelivery.objects.filter(endpoint=mine_2).count() == 1
    assert not WebhookDelivery.objects.filter(endpoint=theirs).exists()
    assert sorted(r["path"] for r in receiver.received) == ["/hook/1", "/hook/2"]

    for req in receiver.received:
        h = req["headers"]
        endpoint = mine_1 if req["path"].endswith("/1") else mine_2
        other = mine_2 if endpoint is mine_1 else mine_1
        assert h["X-Xietong-Event"] == "case.state_changed"
        assert verify(endpoint.secret, h["X-Xietong-Timestamp"], req["body"], h["X-Xietong-Signature"])
        assert not verify(other.secret, h["X-Xietong-Timestamp"], req["body"], h["X-Xietong-Signature"])
        assert not verify(
            endpoint.secret, str(int(h["X-Xietong-Timestamp"]) + 1), req["body"], h["X-Xietong-Signature"]
        )
        event = json.loads(req["body"])
        assert event["id"] == h["X-Xietong-Delivery"]
        assert event["type"] == "case.state_changed"
        assert event["case"] == {
            "id": case.pk,
            "number": case.number,
            "state": "mediating",
            "previous_state": "triaged",
            "transition": "start_mediation",
        }
        # No personal data: neither ID numbers nor phones of anyone in the world.
        text = req["body"].decode()
        for person in world.persons.values():
            assert person.id_number not in text
            assert not person.phone or person.phone not in text
            assert person.name not in text
    # Both endpoints received the same event.
    assert len({r["headers"]["X-Xietong-Delivery"] for r in receiver.received}) == 1
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_other_institution_case_sends_nothing_to_us(world, receiver, django_capture_on_commit_callbacks):
    make_endpoint(world, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        case_triage(case=world.cases["other_bank"], actor=world.users["clerk"])
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_inactive_endpoint_gets_nothing(world, receiver, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(world, receiver.url)
    endpoint.is_active = False
    endpoint.save()
    start_mediation(world, django_capture_on_commit_callbacks)
    assert receiver.received == []


def test_failure_schedules_a_retry_with_backoff_then_succeeds(world, receiver, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(world, receiver.url)
    receiver.answers = [500]
    before = timezone.now()
    start_mediation(world, django_capture_on_commit_callbacks)
    d = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.FAILED, 1, 500)
    # 1 minute back-off, not sent again by the ImmediateBackend (no loop).
    assert len(receiver.received) == 1
    assert before + dt.timedelta(seconds=59) <= d.next_attempt_at <= timezone.now() + dt.timedelta(seconds=61)

    call_command("deliver_webhooks")  # not due yet: nothing sent
    assert len(receiver.received) == 1

    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("deliver_webhooks")
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.SUCCEEDED, 2, 200)
    assert d.delivered_at is not None and d.next_attempt_at is None
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert first["headers"]["X-Xietong-Delivery"] == second["headers"]["X-Xietong-Delivery"]
    call_command("deliver_webhooks")  # done: never sent again
    assert len(receiver.received) == 2


def test_backoff_grows_and_gives_up_after_max_attempts(world, receiver, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(world, receiver.url)
    receiver.answers = [503] * 20
    start_mediation(world, django_capture_on_commit_callbacks)
    d = WebhookDelivery.objects.get(endpoint=endpoint)
    waits = []
    while d.status == DeliveryStatus.FAILED:
        waits.append(round((d.next_attempt_at - d.last_attempt_at).total_seconds()))
        WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
        call_command("deliver_webhooks")
        d.refresh_from_db()
    assert waits == [60, 300, 1800, 7200, 43200]
    assert d.status == DeliveryStatus.GIVING_UP
    assert d.attempts == MAX_ATTEMPTS == len(receiver.received)
    assert d.next_attempt_at is None
    call_command("deliver_webhooks")
    assert len(receiver.received) == MAX_ATTEMPTS


def test_unreachable_receiver_is_a_failure_not_a_crash(world, django_capture_on_commit_callbacks):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    endpoint = make_endpoint(world, f"http://127.0.0.1:{port}/hook")
    start_mediation(world, django_capture_on_commit_callbacks)
    d = WebhookDelivery.objects.get(endpoint=endpoint)
    assert d.status == DeliveryStatus.FAILED and d.last_status_code is None and d.last_error
    assert Case.objects.get(pk=world.cases["bank"].pk).state == "mediating"


def test_replay_sends_the_same_event_with_a_new_signature_and_is_audited(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(world, receiver.url)
    start_mediation(world, django_capture_on_commit_callbacks)
    d = WebhookDelivery.objects.get(endpoint=endpoint)
    import time

    time.sleep(1.05)  # a new second: a new timestamp, hence a new signature
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(actor=world.users["bank"], delivery=d)
    assert len(receiver.received) == 2
    first, again = receiver.received
    assert first["body"] == again["body"]
    assert first["headers"]["X-Xietong-Delivery"] == again["headers"]["X-Xietong-Delivery"]
    assert first["headers"]["X-Xietong-Timestamp"] != again["headers"]["X-Xietong-Timestamp"]
    assert first["headers"]["X-Xietong-Signature"] != again["headers"]["X-Xietong-Signature"]
    h = again["headers"]
    assert verify(endpoint.secret, h["X-Xietong-Timestamp"], again["body"], h["X-Xietong-Signature"])
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SUCCEEDED and d.replays == 1
    assert AuditEntry.objects.filter(action="webhook.replay", object_id=str(d.pk)).count() == 1

    with pytest.raises(DomainError):  # another institution's operator cannot replay it
        delivery_replay(actor=world.users["other_bank"], delivery=d)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transition_rolls_back(world, receiver):
    endpoint = make_endpoint(world, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
        raise RuntimeError("boom after the transition")
    assert Case.objects.get(pk=world.cases["bank"].pk).state == "triaged"
    assert receiver.received == []
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    # Committed for real: sent once.
    case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    assert len(receiver.received) == 1


def test_endpoint_creation_is_audited_and_urls_are_checked(world, settings):
    endpoint = make_endpoint(world, "https://bank.example/hook")
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert AuditEntry.objects.filter(action="webhook.create", object_id=str(endpoint.pk)).count() == 1
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    settings.DEBUG = False
    for bad in ("http://127.0.0.1:9/x", "http://bank.example/x", "ftp://bank.example/x", "https://u:p@bank.example/"):
        with pytest.raises(DomainError):
            validate_endpoint_url(bad)
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = True
    assert validate_endpoint_url("http://localhost:8000/x") == "http://localhost:8000/x"
    with pytest.raises(DomainError):
        validate_endpoint_url("http://10.0.0.1/x")  # plain http only to this machine
    with pytest.raises(DomainError):
        endpoint_create(actor=world.users["regulator"], url="https://bank.example/hook")


def run_ready_tasks():
    """What db_worker does for each due task (db_worker itself closes the test's connection)."""
    from django_tasks_db.models import DBTaskResult

    ran = 0
    for result in DBTaskResult.objects.ready().order_by("enqueued_at"):
        result.claim("test-worker")
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.set_successful(None)
        ran += 1
    return ran


def test_with_the_database_backend_a_failure_enqueues_a_deferred_retry(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    """Production path: the first attempt and each retry are db_worker tasks; the retry runs after the back-off."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    endpoint = make_endpoint(world, receiver.url)
    receiver.answers = [500]
    start_mediation(world, django_capture_on_commit_callbacks)
    assert receiver.received == []  # nothing sent in the request: a task is queued
    d = WebhookDelivery.objects.get(endpoint=endpoint)
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [d.pk]

    assert run_ready_tasks() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, len(receiver.received)) == (DeliveryStatus.FAILED, 1, 1)
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.run_after == d.next_attempt_at
    assert run_ready_tasks() == 0  # not yet due
    assert len(receiver.received) == 1

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    call_command("deliver_webhooks")  # the sweep and the task race: only one sends
    assert run_ready_tasks() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, len(receiver.received)) == (DeliveryStatus.SUCCEEDED, 2, 2)

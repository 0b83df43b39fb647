"""Schemathesis over the whole OpenAPI document, with a bank's token: no 500, no answer off its schema.

Every operation is tried in schemathesis's three phases: the document's examples, its coverage cases
(each parameter's boundaries and values just outside them: an offset of 2^63, a date-time without
its offset) and generated values, within and outside the schema. Path ids are a real case and batch
of the bank for half the generated values, so operations run past their 404. Bounded in examples
and in time (BUDGET_SECONDS in all) so the run stays near a minute on a loaded machine. The calls go
to the WSGI application in this process, inside the test's transaction (the shared test world).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 15  # generated values per operation (the coverage cases come on top)
BUDGET_SECONDS = 80.0  # the whole run; each operation's share stops it early when the machine is slow


def _details(e: BaseException) -> str:
    """Each failure's title and the request that shows it."""
    lines = [str(sub).splitlines()[0] for sub in getattr(e, "exceptions", ())]
    lines += [line.strip() for line in str(e).splitlines() if line.strip().startswith(("curl ", "["))]
    return "\n  ".join(lines)


def _document() -> dict[str, Any]:
    from xietong.api import api

    return api.get_openapi_schema()


def _runner(deadline: float, app: Any, headers: dict[str, str], counts: dict[str, int]) -> Any:
    def run(case: Any) -> None:
        if time.monotonic() > deadline:
            counts["skipped"] += 1
            return
        counts["calls"] += 1
        response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
        counts[f"{response.status_code // 100}xx"] = counts.get(f"{response.status_code // 100}xx", 0) + 1

    return run


@pytest.fixture
def wsgi_app() -> Any:
    """The application, as Django's test client calls it: the connection (and the test's transaction) stays open.
    The 4xx answers are not logged (thousands of them)."""
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.ERROR)
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)
        log.setLevel(level)


def _real_ids(world: Any) -> dict[str, str]:
    """Ids of the bank's own objects: the bank's case, and a checked batch of two rows."""
    from xietong.batches.services import batch_upload
    from xietong.batches.tests.helpers import csv_bytes, good_row, upload

    batch = batch_upload(
        actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(1), good_row(2)]))
    ).batch
    return {"case_id": str(world.cases["bank"].pk), "pk": str(batch.pk)}


def _pinned(path: str, ids: dict[str, str]) -> dict[str, str] | None:
    """The path parameters of this operation that name one of the bank's objects (a webhook's pk does not)."""
    names = re.findall(r"{(\w+)}", path)
    if "pk" in names and not path.startswith("/api/v1/batches/"):
        return None
    pinned = {name: ids[name] for name in names if name in ids}
    return pinned if pinned and len(pinned) == len(names) else None


def test_no_operation_answers_500_or_off_its_schema(world: Any, wsgi_app: Any) -> None:
    schema = schemathesis.openapi.from_dict(_document())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    headers = {"Authorization": f"Bearer {world.api_token}"}
    settings = hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    modes = [HypothesisTestMode.EXAMPLES, HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING]
    ids = _real_ids(world)
    # Each operation as the schema allows; again with its path naming the bank's own case or batch.
    runs = [(op, Override()) for op in operations]
    runs += [(op, Override(path_parameters=p)) for op in operations if (p := _pinned(op.path, ids))]
    started = time.monotonic()
    failures: list[str] = []
    counts = {"calls": 0, "skipped": 0}
    for i, (op, override) in enumerate(runs):
        deadline = time.monotonic() + max((BUDGET_SECONDS - (time.monotonic() - started)) / (len(runs) - i), 0.2)
        run = _runner(deadline, wsgi_app, headers, counts)
        test = create_test(
            operation=op,
            test_func=settings(run),
            config=HypothesisTestConfig(project=schema.config, modes=modes, settings=settings, override=override),
        )
        try:
            test()
        except (Exception, BaseExceptionGroup) as e:  # collected: one report of every failing operation
            failures.append(f"{op.label} {override.path_parameters or ''}:\n  {_details(e)}"[:3000])
    print(f"{len(runs)} runs, {counts}, {time.monotonic() - started:.0f} s")
    assert not failures, "\n\n".join(failures)

"""What one case-status call costs: the queries it runs, and that a read writes nothing (bench/README.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_a_bank_s_case_status_call_reads_five_times_and_writes_nothing(world, client):
    case = world.cases["bank"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.api_token}"}
    assert client.get(f"/api/v1/cases/{case.pk}", **auth).status_code == 200  # the first use is written
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/cases/{case.pk}", **auth)
    assert response.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert all(s.lstrip().upper().startswith("SELECT") for s in sql), sql
    # The token with its client and institution; the case; its parties, numbers and events.
    assert len(sql) == 5, sql


def test_the_allowed_steps_are_the_same_without_the_repeated_visibility_check(world):
    from xietong.cases.services import TRANSITIONS, allowed_transitions, check_transition
    from xietong.core.errors import DomainError

    for actor in (world.users["clerk"], world.users["mediator"], world.users["bank"], world.users["judge"]):
        for case in world.cases.values():
            expected = []
            for t in TRANSITIONS.values():
                try:
                    check_transition(case=case, transition=t, actor=actor, note="-")
                except DomainError:
                    continue
                expected.append(t.code)
            assert [t.code for t in allowed_transitions(case=case, actor=actor)] == expected

from __future__ import annotations

import pytest

from xietong.audit.services import SYSTEM
from xietong.cases.choices import Channel
from xietong.triage.services import case_auto_triage, case_triage_override

from .factories import make_case, make_rule

pytestmark = pytest.mark.django_db


def url(case):
    return f"/api/v1/triage/cases/{case.pk}"


def test_current_decision_and_history(client, world):
    make_rule(name="默认可调解", set_channel=Channel.MEDIABLE, institutions=[world.bank])
    case = make_case(world)
    case_auto_triage(case=case, actor=SYSTEM)
    case_triage_override(
        case=case,
        actor=world.users["clerk"],
        category=None,
        channel="group_risk",
        track="normal",
        team=None,
        reason="涉众",
    )
    client.force_login(world.users["clerk"])
    r = client.get(url(case))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["case_id"] == case.pk and body["number"] == case.number
    assert body["current"]["channel"] == "group_risk" and body["current"]["overridden"] is True
    assert [d["kind"] for d in body["history"]] == ["override", "auto"]
    assert body["history"][1]["rule"] == "默认可调解" and body["history"][1]["reasons"]
    assert body["history"][0]["override_reason"] == "涉众"
    # The bank's API client sees its own case; the other bank does not.
    r = client.get(url(case), HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    assert r.status_code == 200 and r.json()["current"]["channel"] == "group_risk"
    r = client.get(url(case), HTTP_AUTHORIZATION=f"Bearer {world.other_api_token}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ["other_judge", "mediator", "regulator", "stranger"])
def test_restricted_like_cases(client, world, role):
    client.force_login(world.users[role])
    assert client.get(url(world.cases["station"])).status_code == 404


def test_case_without_decision(client, world):
    client.force_login(world.users["admin"])
    body = client.get(url(world.cases["other_bank"])).json()
    assert body["history"] == [] and body["current"]["rule"] is None and body["current"]["decided_at"] is None

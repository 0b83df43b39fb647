"""GET /api/v1/suggestions and /api/v1/suggestions/{id}: an institution's client sees only its own, never the
cases behind them; the court's staff see their court's with the cases."""

from __future__ import annotations

import pytest
from django.test import Client

from xietong.suggestions.services import AnswerItem, suggestion_answer

from .conftest import draft_of

pytestmark = pytest.mark.django_db


def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_an_institutions_client_sees_only_its_own(world, sent, people):
    draft_of(world, title="仍是草稿")  # a draft stays in the court
    sent.source_cases.set([world.cases["bank"]])
    suggestion_answer(
        actor=people["bank"], suggestion=sent, actions="已整改", items=[AnswerItem("adopted"), AnswerItem("adopted")]
    )
    mine = api(world.api_token).get("/api/v1/suggestions").json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == sent.pk and mine["items"][0]["state"] == "answered"
    one = api(world.api_token).get(f"/api/v1/suggestions/{sent.pk}").json()
    assert one["number"] == sent.number and [r["text"] for r in one["recommendation_texts"]] == sent.recommendations
    assert one["answer"]["items"][0]["verdict"] == "adopted" and one["source_cases"] is None
    assert world.cases["bank"].number not in str(one)
    other = api(world.other_api_token)
    assert other.get("/api/v1/suggestions").json() == {"count": 0, "items": []}
    resp = other.get(f"/api/v1/suggestions/{sent.pk}")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"


def test_the_court_sees_the_cases_behind_and_others_are_refused(world, sent):
    sent.source_cases.set([world.cases["bank"]])
    clerk = Client()
    clerk.force_login(world.users["clerk"])
    one = clerk.get(f"/api/v1/suggestions/{sent.pk}").json()
    assert one["source_cases"] == [world.cases["bank"].number]
    regulator = Client()
    regulator.force_login(world.users["regulator"])
    assert regulator.get(f"/api/v1/suggestions/{sent.pk}").json()["source_cases"] is None
    mediator = Client()
    mediator.force_login(world.users["mediator"])
    assert mediator.get("/api/v1/suggestions").status_code == 403
    assert Client().get("/api/v1/suggestions").status_code == 401

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xietong.mediation.models import Offer
from xietong.mediation.services import OfferTerms, offer_make, session_schedule

pytestmark = pytest.mark.django_db


def token_client(world, other=False):
    c = Client()
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.other_api_token if other else world.api_token}"
    return c


def user_client(world, who):
    c = Client()
    c.force_login(world.users[who])
    return c


def first():
    return (timezone.localdate() + dt.timedelta(days=15)).isoformat()


def test_a_bank_client_makes_an_offer_for_its_side_and_lists_them(mediating, world):
    c = token_client(world)
    url = f"/api/v1/mediation/cases/{mediating.pk}/offers"
    resp = c.post(
        url,
        {"total": "12000.00", "instalments": 6, "first_payment_on": first(), "waived": "199.50"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["side"] == "institution" and body["status"] == "open" and body["monthly"] == "2000.00"
    listed = c.get(url).json()
    assert [o["id"] for o in listed] == [body["id"]]
    # The other bank sees no such case.
    other = token_client(world, other=True)
    assert other.get(url).status_code == 404
    assert other.post(url, {}, content_type="application/json").status_code in (404, 422)


def test_the_party_answers_through_the_api_and_accepting_twice_is_harmless(mediating, world):
    offer = offer_make(
        actor=world.users["bank"],
        case=mediating,
        terms=OfferTerms(total="12000.00", instalments=6, first_payment_on=timezone.localdate() + dt.timedelta(5)),
    )
    c = user_client(world, "party")
    url = f"/api/v1/mediation/offers/{offer.pk}/answer"
    r1 = c.post(url, {"answer": "accept"}, content_type="application/json")
    r2 = c.post(url, {"answer": "accept"}, content_type="application/json")
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json() and r1.json()["status"] == "accepted"


def test_the_bank_may_not_accept_its_own_offer(mediating, world):
    offer = offer_make(
        actor=world.api_client,
        case=mediating,
        terms=OfferTerms(total="12000.00", instalments=6, first_payment_on=timezone.localdate() + dt.timedelta(5)),
    )
    resp = token_client(world).post(
        f"/api/v1/mediation/offers/{offer.pk}/answer", {"answer": "accept"}, content_type="application/json"
    )
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "own_offer"
    offer.refresh_from_db()
    assert offer.status == "open"


def test_counter_through_the_api(mediating, world):
    offer = offer_make(
        actor=world.users["party"],
        case=mediating,
        terms=OfferTerms(total="9000.00", instalments=24, first_payment_on=timezone.localdate() + dt.timedelta(5)),
    )
    c = token_client(world)
    url = f"/api/v1/mediation/offers/{offer.pk}/answer"
    resp = c.post(url, {"answer": "counter"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "counter_terms"
    resp = c.post(
        url,
        {"answer": "counter", "counter": {"total": "11000.00", "instalments": 12, "first_payment_on": first()}},
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["parent_id"] == offer.pk
    assert Offer.objects.filter(status="open").count() == 1


def test_offers_refused_outside_mediation_with_the_error_format(pool, world):
    resp = token_client(world).post(
        f"/api/v1/mediation/cases/{pool.cases['bank'].pk}/offers",
        {"total": "100.00", "instalments": 1, "first_payment_on": first()},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "illegal_state" and resp.json()["error"]["message"]


def test_sessions_with_each_participants_time(mediating, world):
    at = dt.datetime(2030, 3, 2, 2, 0, tzinfo=dt.UTC)
    session_schedule(
        actor=world.users["mediator"], case=mediating, starts_at=at, mode="online", meeting_link="https://m.example/1"
    )
    relative = world.persons["relative"]
    relative.timezone = "Asia/Jakarta"
    relative.save(update_fields=["timezone"])
    body = user_client(world, "party").get(f"/api/v1/mediation/cases/{mediating.pk}/sessions").json()
    (s,) = body
    assert s["your_timezone"] == "Asia/Jakarta" and s["your_time"].startswith("2030-03-02T09:00:00+07:00")
    zones = {p["name"]: p["local_time"] for p in s["participants"]}
    assert zones["黄小明"].startswith("2030-03-02T09:00") and zones["黄大明"].startswith("2030-03-02T10:00")
    assert token_client(world, other=True).get(f"/api/v1/mediation/cases/{mediating.pk}/sessions").status_code == 404

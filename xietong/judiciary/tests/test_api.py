"""API: the judicial record of a case, and an institution's filing request."""

from __future__ import annotations

from django.test import Client

from tests.support.judiciary import confirm_case
from xietong.cases.choices import CaseState as S
from xietong.judiciary.models import FilingRequest


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_judicial_record_of_a_confirmed_case(world, agreed):
    case = confirm_case(agreed, world.users["judge"])
    r = Client().get(f"/api/v1/judiciary/cases/{case.pk}", **bearer(world.api_token))
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == S.CONFIRMED and body["number"] == case.number
    assert [rv["decision"] for rv in body["reviews"]] == ["confirm"]
    assert body["reviews"][0]["lawful"] is True
    (ruling,) = body["rulings"]
    assert ruling["kind"] == "confirmation" and ruling["number"] == case.number and "民特" in ruling["number"]
    assert ruling["download_url"].endswith(f"/judiciary/rulings/{ruling['id']}/")
    assert body["filing_request"] is None and body["hearings"] == [] and body["outcome"] is None


def test_another_institution_does_not_see_the_record(world, agreed):
    r = Client().get(f"/api/v1/judiciary/cases/{agreed.pk}", **bearer(world.other_api_token))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_the_institution_requests_filing_of_its_failed_mediation(world, failed):
    url = f"/api/v1/judiciary/cases/{failed.pk}/filing-request"
    r = Client().post(
        url, {"note": "调解不成，请求立案"}, content_type="application/json", **bearer(world.other_api_token)
    )
    assert r.status_code == 404
    assert not FilingRequest.objects.exists()
    r = Client().post(url, {"note": "调解不成，请求立案"}, content_type="application/json", **bearer(world.api_token))
    assert r.status_code == 201
    assert r.json()["channel"] == "api" and r.json()["plaintiff"] == world.bank.name
    request = FilingRequest.objects.get(case=failed)
    assert request.requested_by_api_client == world.api_client
    again = Client().post(url, {}, content_type="application/json", **bearer(world.api_token))
    assert again.status_code == 201 and FilingRequest.objects.count() == 1
    record = Client().get(f"/api/v1/judiciary/cases/{failed.pk}", **bearer(world.api_token)).json()
    assert record["filing_request"]["note"] == "调解不成，请求立案"


def test_a_filing_request_before_the_mediation_failed_is_a_400(world, mediating):
    r = Client().post(
        f"/api/v1/judiciary/cases/{mediating.pk}/filing-request",
        {},
        content_type="application/json",
        **bearer(world.api_token),
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "illegal_state"
    assert not FilingRequest.objects.exists()


def test_court_staff_do_not_use_the_institutions_endpoint(world, failed):
    c = Client()
    c.force_login(world.users["clerk"])
    r = c.post(f"/api/v1/judiciary/cases/{failed.pk}/filing-request", {}, content_type="application/json")
    assert r.status_code == 403
    assert not FilingRequest.objects.exists()

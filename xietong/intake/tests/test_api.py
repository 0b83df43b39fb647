import json

import pytest

from xietong.cases.choices import Door, PartyRole
from xietong.cases.models import Case
from xietong.intake.models import Application

from .helpers import NEW_ID

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


BODY = {
    "respondent": {
        "name": "邱某某",
        "id_number": NEW_ID,
        "phone": "139 0000 0005",
        "address": "新罗区西城街道1号",
    },
    "product": "credit_card",
    "principal": "18,000.00",
    "interest": "1200.5",
    "penalty": 300,
    "contract_number": "6222020000001234",
    "facts": "信用卡逾期六个月。",
    "wishes": ["instalments"],
}


def post(client, token, body=None, key=None, **extra):
    headers = bearer(token)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        "/api/v1/disputes", data=json.dumps(body or BODY), content_type="application/json", **headers, **extra
    )


def test_institution_files_a_dispute_triaged_with_door_api(client, world):
    r = post(client, world.api_token)
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["created"] is True and out["door"] == "api" and out["state"] == "triaged"
    assert out["institution"] == world.bank.name and out["total"] == "19500.50"
    assert set(out["triage"]) >= {"category", "colour", "channel", "track", "team", "rule", "reasons"}
    assert out["triage"] == client.get(f"/api/v1/disputes/{out['id']}", **bearer(world.api_token)).json()["triage"]
    case = Case.objects.get(pk=out["id"])
    assert case.door == Door.API and case.number == out["number"]
    assert case.parties.get(organisation=world.bank).role == PartyRole.APPLICANT
    assert case.parties.get(person__isnull=False).person.phone == "13900000005"
    app = case.applications.get()
    assert app.api_client == world.api_client and app.reference == "6222020000001234"
    # The full ID number is not echoed back.
    assert NEW_ID not in r.content.decode()


def test_idempotency_key_returns_the_same_case(client, world):
    first = post(client, world.api_token, key="req-42").json()
    n = Case.objects.count()
    again = post(client, world.api_token, key="req-42")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert Case.objects.count() == n
    # Another client's same key is its own request.
    other = post(client, world.other_api_token, key="req-42").json()
    assert other["id"] != first["id"] and other["institution"] == world.other_bank.name
    # The same key with another body is a conflict.
    changed = post(client, world.api_token, body={**BODY, "principal": "1.00"}, key="req-42")
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "idempotency_key_reused"
    # Without a key each request files anew.
    a, b = post(client, world.api_token).json(), post(client, world.api_token).json()
    assert a["id"] != b["id"]


def test_status_is_scoped_to_the_callers_institution(client, world):
    mine = post(client, world.api_token).json()
    r = client.get(f"/api/v1/disputes/{mine['id']}", **bearer(world.api_token))
    assert r.status_code == 200 and r.json()["number"] == mine["number"]
    r = client.get(f"/api/v1/disputes/{mine['id']}", **bearer(world.other_api_token))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get(f"/api/v1/disputes/{world.cases['other_bank'].pk}", **bearer(world.api_token))
    assert r.status_code == 404
    # A clerk's session sees it (same court); a regulator's does not.
    client.force_login(world.users["clerk"])
    assert client.get(f"/api/v1/disputes/{mine['id']}").status_code == 200
    client.force_login(world.users["regulator"])
    assert client.get(f"/api/v1/disputes/{mine['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"respondent": {**BODY["respondent"], "id_number": "350802199203070016"}}, "id_number"),
        ({"principal": "-5"}, "principal"),
        ({"interest": "1,2,3"}, "interest"),
        ({"product": "lottery"}, "product"),
        ({"respondent": {**BODY["respondent"], "phone": "12345"}}, "phone"),
        # A name or an address a spreadsheet would run as a formula is refused, as in the forms.
        ({"respondent": {**BODY["respondent"], "name": '=HYPERLINK("http://x.example","点我")'}}, "name"),
        ({"respondent": {**BODY["respondent"], "name": " @SUM(A1)"}}, "name"),
        ({"respondent": {**BODY["respondent"], "address": "=cmd|' /C calc'!A0"}}, "address"),
        ({"respondent": {**BODY["respondent"], "address": "+1+1"}}, "address"),
    ],
)
def test_bad_input_is_422_in_the_common_format(client, world, change, loc):
    before = (Case.objects.count(), Application.objects.count())
    r = post(client, world.api_token, body={**BODY, **change}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid" and err["message"]
    assert any(loc in d["loc"] for d in err["details"]), err["details"]
    assert all(d["msg"] for d in err["details"])
    assert (Case.objects.count(), Application.objects.count()) == before


def test_only_api_clients_file_and_anonymous_gets_401(client, world):
    r = client.post("/api/v1/disputes", data=json.dumps(BODY), content_type="application/json")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    client.force_login(world.users["bank"])
    r = client.post(
        "/api/v1/disputes", data=json.dumps(BODY), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "API clients" in r.json()["error"]["message"]


def test_openapi_documents_the_disputes_routes(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/disputes"] and "get" in paths["/api/v1/disputes/{case_id}"]

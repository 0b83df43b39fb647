"""The service API: one case's documents (visible cases only, own records for parties and banks), and
the failure figures (an institution's token sees its own)."""

from __future__ import annotations

import pytest
from django.test import Client

from xietong.service.choices import AttemptMethod, DocumentKind, Outcome
from xietong.service.services import service_attempt_record, service_send

from .conftest import PDF, on_file, person_party

pytestmark = pytest.mark.django_db


def bearer(token: str) -> Client:
    c = Client()
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def _send(world, key="bank", actor="clerk", kind=DocumentKind.HEARING_NOTICE):
    case = world.cases[key]
    party = person_party(case)
    if not party.person.addresses.exists():
        on_file(party.person)
    return service_send(actor=world.users[actor], case=case, kind=kind, title="开庭传票", content=PDF, filename="a.pdf")


def test_the_case_route_lists_documents_records_and_attempts(world):
    doc = _send(world)
    record = doc.records.get(recipient=person_party(world.cases["bank"]))
    service_attempt_record(
        actor=world.users["clerk"], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.MOVED
    )
    c = Client()
    c.force_login(world.users["clerk"])
    resp = c.get(f"/api/v1/service/cases/{world.cases['bank'].pk}")
    assert resp.status_code == 200
    data = resp.json()
    assert data["hearing_notice_served"] is False
    [d] = data["documents"]
    assert d["kind"] == "hearing_notice" and len(d["records"]) == 2
    mine = next(r for r in d["records"] if r["recipient_kind"] == "person")
    assert mine["status"] == "failed" and [a["outcome"] for a in mine["attempts"]] == ["sent", "moved"]
    assert mine["no_confirmed_address"] is True


def test_a_bank_token_sees_its_own_record_only_and_not_other_cases(world):
    _send(world)
    _send(world, key="other_bank")
    c = bearer(world.api_token)
    data = c.get(f"/api/v1/service/cases/{world.cases['bank'].pk}").json()
    assert [r["recipient_kind"] for d in data["documents"] for r in d["records"]] == ["organisation"]
    assert c.get(f"/api/v1/service/cases/{world.cases['other_bank'].pk}").status_code == 404
    assert c.get("/api/v1/service/cases/999999").status_code == 404


def test_failures_by_token_are_the_institutions_own(world):
    for key, actor in (("bank", "clerk"), ("other_bank", "clerk")):
        doc = _send(world, key=key, actor=actor, kind=DocumentKind.NOTICE)
        record = doc.records.get(recipient=person_party(world.cases[key]))
        service_attempt_record(
            actor=world.users[actor], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.ADDRESS_WRONG
        )
    data = bearer(world.other_api_token).get("/api/v1/service/failures").json()
    assert {r["institution_id"] for r in data["by_reason"]} == {world.other_bank.pk}
    assert data["address_defects"][0]["address_defects"] == 1
    c = Client()
    c.force_login(world.users["regulator"])
    every = c.get("/api/v1/service/failures").json()
    assert {r["institution_id"] for r in every["by_reason"]} == {world.bank.pk, world.other_bank.pk}
    c.force_login(world.users["mediator"])
    resp = c.get("/api/v1/service/failures")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"

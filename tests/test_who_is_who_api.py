"""Who is who through the APIs: the bank's own deliveries (its API, a batch) are its claims — the bank applies
(申请人) and the citizen responds (被申请人) — and a citizen's filing (at a station, for a relative) is the
reverse. The bank's case list and detail, the batch's cases and the staff lookup say so, in both languages,
with field names that agree with the roles."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from xietong.batches.services import batch_import, batch_upload
from xietong.batches.tests.helpers import csv_bytes, good_row, upload
from xietong.intake.services import (
    AuthorisationRequest,
    DisputeDetails,
    PartyDetails,
    ServiceAddress,
    citizen_apply,
    staff_file,
)
from xietong.intake.tests.helpers import pdf

pytestmark = pytest.mark.django_db

DISPUTE = DisputeDetails(product="credit_card", principal="1,234.50", interest=Decimal("10"), facts="f", wishes=[])
STATION_ID = "350802199203070015"
ABROAD_ID = "350802199511110015"
API_ID = "350802198807070011"
LABELS = {
    "zh-hans": {"applicant": "申请人", "respondent": "被申请人"},
    "en": {"applicant": "applicant", "respondent": "respondent"},
}


@pytest.fixture
def filings(world):
    """Four new cases against the bank: two of its own deliveries, two citizens' filings."""
    bank = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    body = {
        "respondent": {"name": "邱某某", "id_number": API_ID, "phone": "139 0000 0005", "address": "新罗区西城街道1号"},
        "product": "credit_card",
        "principal": "18,000.00",
    }
    api_case = bank.post("/api/v1/disputes", data=json.dumps(body), content_type="application/json").json()["id"]
    batch = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(1)]))).batch
    batch = batch_import(batch=batch, actor=world.users["bank"])
    batch_case = batch.rows.get().case
    station = staff_file(
        user=world.users["station"],
        person=PartyDetails(name="林阿公", id_number=STATION_ID, phone="13900000004"),
        institutions=[world.bank],
        dispute=DISPUTE,
        consent_online_mediation=True,
        consent_electronic_service=False,
        service_address=None,
    ).application.cases.get()
    relative = citizen_apply(
        user=world.users["party"],
        identity=None,
        relative=PartyDetails(name="黄老三", id_number=ABROAD_ID, phone="+62 812 3456 7890", country="ID"),
        authorisation=AuthorisationRequest(relationship="sibling", reason="abroad", document=pdf("auth.pdf")),
        institutions=[world.bank],
        dispute=DISPUTE,
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=ServiceAddress(address="新罗区中山路1号", phone="13800138000", consent_electronic_service=True),
    ).application.cases.get()
    return {
        # case id: (the citizen's name, who applies)
        api_case: ("邱某某", "bank"),
        batch_case.pk: (good_row(1)["name"], "bank"),
        station.pk: ("林阿公", "citizen"),
        relative.pk: ("黄老三", "citizen"),
    }, batch


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_banks_list_and_detail_say_who_applies_and_who_responds(world, filings, lang):
    cases, _batch = filings
    bank_name = world.bank.name
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}", HTTP_ACCEPT_LANGUAGE=lang)
    listed = {i["id"]: i for i in api.get("/api/v1/cases?limit=100").json()["items"]}
    for pk, (citizen, applies) in cases.items():
        applicant, respondent = (bank_name, citizen) if applies == "bank" else (citizen, bank_name)
        item = listed[pk]
        assert (item["applicants"], item["respondents"]) == ([applicant], [respondent]), (pk, applies)
        detail = api.get(f"/api/v1/cases/{pk}").json()
        assert (detail["applicants"], detail["respondents"]) == ([applicant], [respondent])
        roles = {p["name"]: (p["role"], p["role_label"], p["kind"]) for p in detail["parties"]}
        bank_role = "applicant" if applies == "bank" else "respondent"
        citizen_role = "respondent" if applies == "bank" else "applicant"
        assert roles[bank_name] == (bank_role, LABELS[lang][bank_role], "organisation"), pk
        assert roles[citizen] == (citizen_role, LABELS[lang][citizen_role], "person"), pk


def test_the_batch_follow_up_names_the_citizen_the_bank_claims_from(world, filings):
    _cases, batch = filings
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    rows = api.get(f"/api/v1/batches/{batch.pk}/cases").json()["items"]
    assert len(rows) == 1
    detail = api.get(f"/api/v1/cases/{rows[0]['case_id']}").json()
    assert detail["applicants"] == [world.bank.name] and detail["respondents"] == [good_row(1)["name"]]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_lookup_says_the_persons_role_in_each_case(world, filings, lang):
    _cases, _batch = filings
    clerk = Client(HTTP_ACCEPT_LANGUAGE=lang)
    clerk.force_login(world.users["clerk"])
    for id_number, role in ((STATION_ID, "applicant"), (ABROAD_ID, "applicant"), (API_ID, "respondent")):
        found = clerk.get(f"/api/v1/lookup/persons/{id_number}").json()["cases"]
        assert [(c["role"], c["role_label"], c["as_agent"]) for c in found] == [(role, LABELS[lang][role], False)]
    # The relative who filed acts in the case; they are no party to it.
    acting = clerk.get(f"/api/v1/lookup/persons/{world.persons['relative'].id_number}").json()["cases"]
    assert acting and all(c["as_agent"] and c["role"] is None for c in acting)


def test_the_case_list_page_shows_each_persons_role(world, filings):
    _cases, _batch = filings
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(world.users["bank"])
    html = page.get("/").content.decode()
    assert "林阿公" in html and "邱某某" in html
    station_row = html[html.index("林阿公") : html.index("</td>", html.index("林阿公"))]
    api_row = html[html.index("邱某某") : html.index("</td>", html.index("邱某某"))]
    assert "申请人" in station_row and "被申请人" not in station_row
    assert "被申请人" in api_row

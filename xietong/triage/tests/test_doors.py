"""Every door sets the category when the rules say so: online, relative, counter, station, lookup, batch, API.

Two rules of the kind the demo's center keeps: the loan programme named in the facts gives a coloured
category (and its colour's channel), the product gives a plain one. Each door opens a dispute that
the rules categorise; the case leaves intake with that category and channel, recorded as the rules'
decision.
"""

from __future__ import annotations

import json

import pytest

from tests.support.world import World
from xietong.audit.services import SYSTEM
from xietong.batches.services import batch_import, batch_upload
from xietong.batches.tests.helpers import csv_bytes, good_row, upload
from xietong.cases.choices import CaseState, Channel, Product
from xietong.cases.models import Case, Category
from xietong.intake.services import (
    AuthorisationRequest,
    DisputeDetails,
    PartyDetails,
    ServiceAddress,
    citizen_apply,
    staff_file,
)
from xietong.intake.tests.helpers import NEW_ID, pdf
from xietong.lookup.services import cases_open_from_debts
from xietong.lookup.tests.helpers import add_story1_borrower
from xietong.triage.choices import DecisionKind
from xietong.triage.models import TriageDecision
from xietong.triage.services import triage_rule_create

pytestmark = pytest.mark.django_db

SERVICE = ServiceAddress(address="新罗区中山路1号", phone="13800138000", consent_electronic_service=True)
RURAL_FACTS = "申请人于2023年向银行申请乡村振兴贷用于扩建生猪养殖场，受猪价下跌影响未能按期还款。"


@pytest.fixture
def rules(world: World) -> dict[str, Category]:
    rural = Category.objects.create(name="乡村振兴", code="rural", colour="yellow")
    card = Category.objects.get(code="credit-card")
    triage_rule_create(
        actor=SYSTEM,
        name="乡村振兴贷款（黄色）：难执行",
        position=10,
        products=[Product.BUSINESS_LOAN],
        keywords=["乡村振兴", "农户小额"],
        set_category=rural,
        set_channel=Channel.HARD_TO_ENFORCE,
    )
    triage_rule_create(
        actor=SYSTEM, name="信用卡纠纷：信用卡类", position=60, products=[Product.CREDIT_CARD], set_category=card
    )
    return {"rural": rural, "card": card}


def assert_categorised(case: Case, category: Category, channel: str = Channel.MEDIABLE) -> None:
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.TRIAGED
    assert (case.category, case.channel) == (category, channel)
    decision = TriageDecision.objects.filter(case=case).first()
    assert decision is not None and decision.kind == DecisionKind.AUTO and decision.category == category
    assert any(r["field"] == "category" and r["rule"] for r in decision.reasons)


def rural_dispute() -> DisputeDetails:
    return DisputeDetails(product=Product.BUSINESS_LOAN, principal="80,000", facts=RURAL_FACTS)


def test_online_a_keyword_in_the_facts_gives_the_coloured_category_and_its_channel(world, rules):
    result = citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=rural_dispute(),
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=SERVICE,
    )
    assert_categorised(result.application.cases.get(), rules["rural"], Channel.HARD_TO_ENFORCE)


def test_online_the_product_gives_the_plain_category(world, rules):
    result = citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=DisputeDetails(product=Product.CREDIT_CARD, principal="9,000", facts="信用卡逾期。"),
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=SERVICE,
    )
    assert_categorised(result.application.cases.get(), rules["card"])


def test_relative(world, rules):
    result = citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=rural_dispute(),
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=SERVICE,
        relative=PartyDetails(name="黄老三", id_number=NEW_ID, phone="13900000001", address="新罗区"),
        authorisation=AuthorisationRequest(relationship="sibling", reason="illness", document=pdf("auth.pdf")),
    )
    assert_categorised(result.application.cases.get(), rules["rural"], Channel.HARD_TO_ENFORCE)


@pytest.mark.parametrize("user", ["clerk", "station"])
def test_counter_and_station(world, rules, user):
    result = staff_file(
        user=world.users[user],
        person=PartyDetails(name="邱某某", id_number=NEW_ID, phone="13900000002", address="新罗区"),
        institutions=[world.bank],
        dispute=rural_dispute(),
        consent_online_mediation=True,
        consent_electronic_service=False,
        service_address=SERVICE,
    )
    case = result.application.cases.get()
    assert case.door == ("counter" if user == "clerk" else "station")
    assert_categorised(case, rules["rural"], Channel.HARD_TO_ENFORCE)


def test_lookup(world, rules):
    person, debts = add_story1_borrower(world)
    card_debt = next(d for d in debts if d.product == Product.CREDIT_CARD)
    (case,) = cases_open_from_debts(actor=world.users["clerk"], person=person, debt_ids=[card_debt.pk])
    assert_categorised(case, rules["card"])


def test_batch(world, rules):
    uploaded = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(1)])))
    batch = batch_import(batch=uploaded.batch, actor=world.users["bank"])
    case = Case.objects.get(pk=batch.rows.get().case_id)
    assert_categorised(case, rules["card"])


def test_api(client, world, rules):
    body = {
        "respondent": {"name": "邱某某", "id_number": NEW_ID, "phone": "139 0000 0005", "address": "新罗区"},
        "product": "business_loan",
        "principal": "80,000.00",
        "contract_number": "6222020000001234",
        "facts": RURAL_FACTS,
    }
    r = client.post(
        "/api/v1/disputes",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_token}",
    )
    assert r.status_code == 200, r.content
    assert r.json()["triage"]["category"]
    assert_categorised(Case.objects.get(pk=r.json()["id"]), rules["rural"], Channel.HARD_TO_ENFORCE)


def test_the_keyword_condition_in_and_out(world):
    from xietong.triage.services import triage_evaluate

    from .factories import make_case

    triage_rule_create(actor=SYSTEM, name="k", keywords=["乡村振兴", "农户小额"], set_channel=Channel.GROUP_RISK)
    hit = triage_evaluate(make_case(world, facts="借款用于农户小额种植。"))
    assert hit.channel == Channel.GROUP_RISK
    assert hit.reasons[0]["reasons"] == [{"code": "keywords", "params": {"value": "农户小额"}}]
    assert triage_evaluate(make_case(world, person="borrower", facts="信用卡逾期。")).channel == Channel.MEDIABLE


def test_a_rule_with_a_blank_keyword_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        triage_rule_create(actor=SYSTEM, name="blank", keywords=["  "], set_channel=Channel.GROUP_RISK)

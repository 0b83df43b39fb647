"""The cluster rule on near-identical facts: a lead (线索) for the regulators, never a label on anyone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.cases.choices import Channel, Door, PartyRole, Product
from xietong.cases.services import PersonParty, case_create
from xietong.risk.choices import Detector, Dimension, WarningKind
from xietong.risk.models import RiskWarning
from xietong.risk.selectors import case_open_warnings, cases_behind
from xietong.risk.services import named_respondent_record, risk_detect
from xietong.risk.similarity import jaccard, normalise, shingles, similar_groups
from xietong.triage.services import case_auto_triage, triage_rule_create

from .test_services import TODAY, villager

STORY = (
    "申请人{name}经某贷款中介公司业务员推介，于{year}年{month}月通过银行办理个人消费贷款{amount}元，放款后被中介以"
    "“服务费”名义收取{fee}元；现无力按期还款，认为贷款实际成本远高于合同约定。"
)
OTHER = (
    "申请人{name}于{year}年在商场分期购买手机一部，因失业未能按期还款，银行已多次电话催收，"
    "请求减免违约金并延长还款期限{fee}个月。"
)


def story(i: int, template: str = STORY) -> str:
    return template.format(name=f"村民{i}", year=2020 + i % 5, month=1 + i % 12, amount=10000 * (i + 3), fee=7 * i)


def complaint(world, i: int, *, facts: str, day: int = 10, institution=None, door=Door.ONLINE, person=None):
    """A dispute the citizen brings: the institution (if any) responds."""
    return case_create(
        actor=SYSTEM,
        court=world.court,
        institution=institution,
        institution_role=PartyRole.RESPONDENT,
        product=Product.CONSUMER_LOAN,
        door=door,
        persons=[PersonParty(person=person or villager(100 + i), role=PartyRole.APPLICANT)],
        principal=Decimal("50000.00"),
        facts=facts,
        submitted_at=timezone.make_aware(dt.datetime(2026, 11, day, 9)) + dt.timedelta(minutes=i),
    )


def test_normalised_shingles_ignore_numbers_and_punctuation():
    assert normalise("２０２５年3月，借款 80,000.00 元！") == "0年0月借款0元"
    assert jaccard(shingles(story(1)), shingles(story(2))) >= 0.7
    assert jaccard(shingles(story(1)), shingles(story(1, OTHER))) < 0.3
    texts = [(i, story(i)) for i in range(5)] + [(10 + i, story(i, OTHER)) for i in range(3)] + [(99, "逾期未还")]
    assert similar_groups(texts) == [[0, 1, 2, 3, 4], [10, 11, 12]]


@pytest.mark.django_db
def test_five_claimants_with_near_identical_facts_against_any_respondent_are_one_lead(world):
    banks = [world.bank, world.other_bank, None]
    cases = [complaint(world, i, facts=story(i), institution=banks[i % 3]) for i in range(6)]
    complaint(world, 50, facts=story(50, OTHER))  # a different story: not part of it
    risk_detect(day=TODAY)
    lead = RiskWarning.objects.get(detector=Detector.FACTS)
    assert (lead.dimension, lead.kind) == (Dimension.FACTS, WarningKind.LEAD)
    assert sorted(lead.case_ids) == sorted(c.pk for c in cases)
    assert (lead.observed, lead.claimants, lead.threshold) == (6, 6, 5.0)
    assert lead.params["jaccard_threshold"] == 0.7 and lead.params["shingle_chars"] == 3
    assert lead.params["min_claimants"] == 5 and lead.params["days"] == 30
    assert lead.why["code"] == "facts" and lead.why["params"]["disputes"] == 6
    assert sum(p["cases"] for p in lead.series) == 6 and len(lead.series) == 91
    assert set(cases_behind(lead)) == set(cases)
    assert "村民" not in lead.label  # the label says what they share, no one's name
    # Run again, and a day later with one more: the same lead, no second one.
    risk_detect(day=TODAY)
    more = complaint(world, 7, facts=story(7), day=20)
    risk_detect(day=TODAY)
    assert RiskWarning.objects.filter(detector=Detector.FACTS).count() == 1
    assert more.pk in RiskWarning.objects.get(detector=Detector.FACTS).case_ids


@pytest.mark.django_db
def test_fewer_claimants_one_claimant_many_times_and_collection_work_raise_nothing(world):
    for i in range(4):  # four claimants: below the minimum
        complaint(world, i, facts=story(i))
    same = villager(300)
    for i in range(6):  # one claimant against six banks (one application): one claimant
        complaint(world, 10 + i, facts=story(10, OTHER), person=same, institution=world.bank if i % 2 else None)
    for i in range(8):  # the bank's own boilerplate: its deliveries and its own claims at the counter
        case_create(
            actor=SYSTEM,
            court=world.court,
            institution=world.bank,
            product=Product.CREDIT_CARD,
            door=Door.API if i % 2 else Door.COUNTER,
            persons=[PersonParty(person=villager(400 + i), role=PartyRole.RESPONDENT)],
            principal=Decimal("1000.00"),
            facts=story(20 + i),
            submitted_at=timezone.make_aware(dt.datetime(2026, 11, 12, 9)),
        )
    risk_detect(day=TODAY)
    assert not RiskWarning.objects.filter(detector=Detector.FACTS).exists()


@pytest.mark.django_db
def test_a_group_naming_one_respondent_already_in_a_claimant_cluster_is_that_lead(world):
    for i in range(6):
        named_respondent_record(actor=SYSTEM, case=complaint(world, i, facts=story(i)), name="龙岩鑫汇投资有限公司")
    risk_detect(day=TODAY)
    assert list(RiskWarning.objects.filter(kind=WarningKind.LEAD).values_list("detector", flat=True)) == [
        Detector.CLUSTER
    ]


@pytest.mark.django_db
def test_triage_follows_the_lead_a_new_dispute_telling_the_same_story_goes_to_group_risk(world):
    for i in range(5):
        complaint(world, i, facts=story(i))
    risk_detect(day=TODAY)
    lead = RiskWarning.objects.get(detector=Detector.FACTS)
    triage_rule_create(actor=SYSTEM, name="风险分层：群体性风险", in_risk_stratum=True, set_channel=Channel.GROUP_RISK)
    alike = complaint(world, 9, facts=story(9), day=28)
    unlike = complaint(world, 10, facts=story(10, OTHER), day=28)
    assert case_open_warnings(alike) == [lead]
    assert case_open_warnings(unlike) == []
    assert case_auto_triage(case=alike).channel == Channel.GROUP_RISK
    assert case_auto_triage(case=unlike).channel == Channel.MEDIABLE

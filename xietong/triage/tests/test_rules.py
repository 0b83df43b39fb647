"""Every rule condition in and out, the ordering, the memorandum's boundaries and the automatic triage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Channel, Product, Track, Wish
from xietong.cases.models import Case, Category, Team
from xietong.core.errors import DomainError
from xietong.parties.models import Address
from xietong.triage.models import TriageDecision
from xietong.triage.selectors import decision_explained, triage_result_for
from xietong.triage.services import case_auto_triage, triage_evaluate

from .factories import at, make_case, make_memo, make_rule

pytestmark = pytest.mark.django_db

GR = Channel.GROUP_RISK


def channel_of(case) -> str:
    return triage_evaluate(Case.objects.get(pk=case.pk)).channel


# Conditions, each in and out ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "hit"),
    [
        ({"min_total": Decimal("1000.00")}, True),
        ({"min_total": Decimal("1000.01")}, False),
        ({"max_total": Decimal("1000.00")}, True),
        ({"max_total": Decimal("999.99")}, False),
        ({"min_total": Decimal("500"), "max_total": Decimal("2000")}, True),
        ({"products": [Product.CREDIT_CARD, Product.MORTGAGE]}, True),
        ({"products": [Product.MORTGAGE]}, False),
        ({"min_parties": 2}, True),  # the person and the institution
        ({"min_parties": 3}, False),
        ({"max_parties": 2}, True),
        ({"max_parties": 1}, False),
        ({"has_overseas_party": False}, True),
        ({"has_overseas_party": True}, False),
        ({"wishes": [Wish.INSTALMENTS, Wish.MORE_TIME]}, True),
        ({"wishes": [Wish.PENALTY_REDUCTION]}, False),
        ({}, True),  # no condition: every case
    ],
)
def test_each_condition_in_and_out(world, kw, hit):
    case = make_case(world, wishes=[Wish.INSTALMENTS])
    make_rule(**kw)
    assert channel_of(case) == (GR if hit else Channel.MEDIABLE)


def test_institution_condition(world):
    case = make_case(world, institution="bank")
    rule = make_rule(institutions=[world.other_bank])
    assert channel_of(case) == Channel.MEDIABLE
    rule.institutions.set([world.other_bank, world.bank])
    assert channel_of(case) == GR


def test_category_condition(world):
    card = Category.objects.get(code="credit-card")
    green = Category.objects.get(code="eco")
    case = make_case(world, category=card)
    rule = make_rule(categories=[green])
    assert channel_of(case) == Channel.MEDIABLE
    rule.categories.set([card])
    assert channel_of(case) == GR


def test_overseas_party_condition(world):
    case = make_case(world, person="other")
    make_rule(has_overseas_party=True)
    Address.objects.create(person=world.persons["other"], kind="home", country="CN", line="龙岩市新罗区")
    assert channel_of(case) == Channel.MEDIABLE
    Address.objects.create(person=world.persons["other"], kind="home", country="ID", line="Jl. Sudirman 1, Jakarta")
    result = triage_evaluate(case)
    assert result.channel == GR
    assert "ID" in str(result.reasons)


def test_more_parties_counted(world):
    case = make_case(world, extra_persons=["villager"])
    make_rule(min_parties=3, max_parties=3)
    assert channel_of(case) == GR


def test_group_risk_follows_the_open_risk_warnings_not_the_institution_count(world):
    from xietong.risk.choices import Dimension, WarningState
    from xietong.risk.models import RiskWarning

    make_rule(in_risk_stratum=True)
    for d in range(1, 9):  # many open disputes with one bank: no longer a reason by itself
        make_case(world, submitted_at=at(2026, 5, d))
    case = make_case(world, submitted_at=at(2026, 5, 10))
    assert channel_of(case) == Channel.MEDIABLE
    w = RiskWarning.objects.create(
        dimension=Dimension.INSTITUTION,
        key=str(world.bank.pk),
        label=world.bank.name,
        detector="ears_poisson",
        severity=2,
        opened_on=dt.date(2026, 5, 10),
        reading_on=dt.date(2026, 5, 10),
        observed=9,
        baseline=1.0,
        threshold=5.0,
    )
    result = triage_evaluate(Case.objects.get(pk=case.pk))
    assert result.channel == GR
    assert any(r["code"] == "risk_warning" for item in result.reasons for r in item["reasons"])
    RiskWarning.objects.filter(pk=w.pk).update(state=WarningState.RESOLVED)
    assert channel_of(case) == Channel.MEDIABLE


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"min_total": Decimal("10"), "max_total": Decimal("5")}, "max_total"),
        ({"min_parties": 3, "max_parties": 2}, "max_parties"),
        ({"products": ["bitcoin"]}, "products"),
        ({"wishes": ["fly"]}, "wishes"),
        ({"set_channel": ""}, "set_channel"),
    ],
)
def test_rule_validation_says_what_is_wrong(db, kw, field):
    with pytest.raises(ValidationError) as exc:
        make_rule(**kw)
    assert field in exc.value.message_dict


# Ordering -------------------------------------------------------------------------------------


def test_first_matching_rule_wins_per_field(world):
    case = make_case(world)
    late = make_rule(position=20, set_channel=Channel.HARD_TO_ENFORCE, set_track=Track.FAST)
    early = make_rule(position=10, set_channel=GR)
    make_rule(position=5, set_channel=Channel.MEDIABLE, max_total=Decimal("1"))  # does not match
    make_rule(position=1, set_channel=Channel.MEDIABLE, is_active=False)  # inactive
    result = triage_evaluate(case)
    assert result.channel == GR and result.track == Track.FAST
    assert result.rule == early
    by_field = {r["field"]: r["rule_id"] for r in result.reasons}
    assert by_field == {"channel": early.pk, "track": late.pk}
    early.position = 30
    early.save()
    assert triage_evaluate(case).channel == Channel.HARD_TO_ENFORCE


def test_defaults_when_no_rule_matches(world):
    card = Category.objects.get(code="credit-card")
    case = make_case(world, category=card)
    result = triage_evaluate(case)
    assert (result.channel, result.track, result.category, result.team, result.rule) == (
        Channel.MEDIABLE,
        Track.NORMAL,
        card,
        None,
        None,
    )


def test_rule_sets_category_and_team_of_the_same_court_only(world):
    green = Category.objects.get(code="eco")
    team = Team.objects.create(name="诉前调解团队", kind="pre_mediation", court=world.court)
    other_team = Team.objects.create(name="永定调解团队", kind="pre_mediation", court=world.other_court)
    first = make_rule(position=1, set_team=other_team, set_channel="")
    make_rule(position=2, set_category=green, set_team=team, set_channel="")
    case = make_case(world)
    result = triage_evaluate(case)
    assert result.category == green and result.team == team
    skipped = [r for r in result.reasons if r.get("skipped")]
    assert [r["rule_id"] for r in skipped] == [first.pk]


# The small-claims memorandum --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "interest", "submitted", "track"),
    [
        (Decimal("100000.00"), Decimal("0"), at(2026, 6, 1), Track.FAST),  # the limit is in
        (Decimal("99999.99"), Decimal("0.01"), at(2026, 6, 1), Track.FAST),  # the total counts
        (Decimal("100000.00"), Decimal("0.01"), at(2026, 6, 1), Track.NORMAL),  # one fen over
        (Decimal("5000"), Decimal("0"), at(2026, 1, 1, 0), Track.FAST),  # first day of the term
        (Decimal("5000"), Decimal("0"), at(2027, 12, 31, 23), Track.FAST),  # last day of the term
        (Decimal("5000"), Decimal("0"), at(2028, 1, 1, 0), Track.NORMAL),  # expired
        (Decimal("5000"), Decimal("0"), at(2025, 12, 31, 23), Track.NORMAL),  # not yet signed
    ],
)
def test_memorandum_boundaries(world, principal, interest, submitted, track):
    make_memo(world.other_bank, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    case = make_case(world, institution="other_bank", principal=principal, interest=interest, submitted_at=submitted)
    case_auto_triage(case=case, actor=SYSTEM)
    case.refresh_from_db()
    assert case.track == track


def test_memorandum_of_another_institution_does_not_count(world):
    make_memo(world.other_bank, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    case = make_case(world, institution="bank", submitted_at=at(2026, 6, 1))
    assert triage_evaluate(case).track == Track.NORMAL


def test_memorandum_term_validated(world):
    with pytest.raises(ValidationError) as exc:
        make_memo(world.other_bank, dt.date(2026, 1, 1), dt.date(2025, 12, 31))
    assert "valid_until" in exc.value.message_dict


# The automatic triage ---------------------------------------------------------------------------


def test_auto_triage_sets_fields_records_the_decision_and_audits(world):
    make_memo(world.other_bank, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    green = Category.objects.get(code="eco")
    rule = make_rule(name="绿色可调解", categories=[green], set_channel=Channel.MEDIABLE)
    case = make_case(world, institution="other_bank", category=green, submitted_at=at(2026, 3, 1))
    case_auto_triage(case=case, actor=SYSTEM)
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGED
    assert (case.channel, case.track) == (Channel.MEDIABLE, Track.FAST)
    decision = TriageDecision.objects.get(case=case)
    assert decision.rule == rule and decision.rule_name == "绿色可调解" and decision.kind == "auto"
    assert (decision.channel, decision.track, decision.category) == (Channel.MEDIABLE, Track.FAST, green)
    words = {r["field"]: r["why"] for r in decision_explained(decision)}
    assert "水土生态" in words["channel"]
    assert "100000.00" in words["track"] and "龙岩农村商业银行" in words["track"]
    entry = AuditEntry.objects.filter(action="triage.decide", object_id=str(case.pk)).last()
    assert entry.after["triage"] == "auto" and entry.after["rule"] == "绿色可调解"
    assert entry.before["channel"] == "" and entry.after["channel"] == "mediable"
    result = triage_result_for(case)
    assert result["rule"] == "绿色可调解" and result["track"] == "fast" and result["colour"] == "green"
    assert not result["overridden"] and result["reasons"]


def test_auto_triage_refuses_a_case_not_submitted(world):
    with pytest.raises(DomainError):
        case_auto_triage(case=world.cases["bank"], actor=SYSTEM)  # already triaged
    assert not TriageDecision.objects.filter(case=world.cases["bank"]).exists()

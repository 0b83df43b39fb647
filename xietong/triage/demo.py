"""Demo data of this app, loaded by `load_demo` after the region (see xietong/demo/region.py).

Rules that reproduce the demo's colours and channels (story 4), a group-risk rule that follows the open risk warnings
(story 6), and the Longyan Rural Commercial Bank's small-claims memorandum.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import AuditEvent, audit_record, audit_record_many
from xietong.cases.choices import Channel
from xietong.cases.models import Case, CaseEvent, Category
from xietong.core.admin import snapshot

from .choices import DecisionKind
from .models import SMALL_CLAIMS_LIMIT, SmallClaimsMemorandum, TriageDecision, TriageRule
from .services import triage_evaluate

# name, position, category code (condition), channel, extra conditions
RULES: list[tuple[str, int, str | None, str, dict[str, Any]]] = [
    ("水土生态（绿色）：可调解", 10, "eco", Channel.MEDIABLE, {}),
    ("乡村振兴（黄色）：难执行", 20, "rural", Channel.HARD_TO_ENFORCE, {}),
    ("青年创业金（红色）：群体性风险", 30, "youth", Channel.GROUP_RISK, {}),
    ("属于未结风险预警或线索的分层：群体性风险", 40, None, Channel.GROUP_RISK, {"in_risk_stratum": True}),
    ("当事人在境外：可调解（全程在线）", 50, None, Channel.MEDIABLE, {"has_overseas_party": True}),
]


@transaction.atomic
def seed(*, actor: Any) -> None:
    """Add this app's demo data. Called once, inside the loader's transaction, at the real time."""
    for name, position, code, channel, extra in RULES:
        rule = TriageRule(name=name, position=position, set_channel=channel, **extra)
        rule.full_clean(exclude=["categories", "institutions"])
        rule.save()
        if code:
            category = Category.objects.filter(code=code).first()
            if category is not None:
                rule.categories.set([category])
        audit_record(actor=actor, action=AuditAction.REFERENCE_CHANGE, obj=rule, after=snapshot(rule))
    bank = (
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, name__contains="农村商业银行")
        .order_by("pk")
        .first()
    )
    if bank is not None:
        signed = timezone.localdate() - dt.timedelta(days=150)
        memo = SmallClaimsMemorandum(
            institution=bank,
            signed_on=signed,
            valid_until=signed.replace(year=signed.year + 2) - dt.timedelta(days=1)
            if not (signed.month == 2 and signed.day == 29)
            else signed + dt.timedelta(days=730),
            amount_limit=SMALL_CLAIMS_LIMIT,
            note="小额诉讼快审备忘录（试点）",
        )
        memo.full_clean()
        memo.save()
        audit_record(actor=actor, action=AuditAction.REFERENCE_CHANGE, obj=memo, after=snapshot(memo))
    decisions_backfill(actor=actor)


def decisions_backfill(*, actor: Any) -> int:
    """Explain the history's triage with the rules: for each case the region's history triaged, record
    the rules' decision when it agrees with the channel and track the case was given (the others were
    classified by hand, and stay without a recorded decision). Dated at the case's triage step."""
    triaged_at = dict(
        CaseEvent.objects.filter(kind="triage").order_by("case_id", "at").values_list("case_id", "at").distinct()
    )
    decisions = []
    events = []
    cases = (
        Case.objects.exclude(channel="")
        .filter(triage_decisions__isnull=True)
        .select_related("institution", "category", "team")
    )
    for case in cases:
        result = triage_evaluate(case)
        if (result.channel, result.track) != (case.channel, case.track):
            continue
        decisions.append(
            TriageDecision(
                case=case,
                kind=DecisionKind.AUTO,
                rule=result.rule,
                rule_name=result.rule.name if result.rule else "",
                reasons=result.reasons,
                category=case.category,
                channel=case.channel,
                track=case.track,
                team=case.team,
                actor_label="system",
                at=triaged_at.get(case.pk, case.submitted_at),
            )
        )
        events.append(
            AuditEvent(
                action=AuditAction.TRIAGE_DECIDE,
                object_type="cases.case",
                object_id=str(case.pk),
                object_repr=str(case),
                after={
                    "triage": "backfill",
                    "rule": result.rule.name if result.rule else "",
                    "reasons": result.reasons,
                },
            )
        )
    TriageDecision.objects.bulk_create(decisions)
    if events:
        audit_record_many(actor=actor, events=events)
    return len(decisions)

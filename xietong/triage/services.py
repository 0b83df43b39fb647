"""Triage: every new case is sorted into a category, channel, track and team at intake.

`triage_evaluate` reads the rules (see `xietong.triage.models` for how they decide);
`case_auto_triage` applies them, records a `TriageDecision` and takes the `triage` step;
`case_triage_override` lets a clerk or the center change the outcome, with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.models import User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import CaseState, Channel, Product, Track, Wish
from xietong.cases.definitions import OPEN_STATES
from xietong.cases.models import Case, CaseParty, Category, Team
from xietong.cases.services import case_assign_team, case_event_record, case_lock, case_snapshot, case_triage
from xietong.core.admin import snapshot
from xietong.core.bulk import BulkWriter
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.parties.models import Address
from xietong.risk.selectors import case_open_warnings

from .choices import DecisionKind
from .models import SmallClaimsMemorandum, TriageDecision, TriageRule

OUTCOME_FIELDS = ("category", "channel", "track", "team")
OVERRIDE_STATES = frozenset(OPEN_STATES - {CaseState.SUBMITTED})


def _r(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": {k: str(v) for k, v in params.items()}}


@dataclass
class Facts:
    """What the conditions look at, read once per case."""

    case: Case
    party_count: int
    overseas_countries: list[str]
    # The open risk warnings whose stratum the case belongs to, as labels; None: not read yet.
    # Bulk triage (a batch: an institution's own delivery) sets it to [] since those never belong to one.
    risk_warnings: list[str] | None = None

    def in_risk(self) -> list[str]:
        if self.risk_warnings is None:
            self.risk_warnings = [f"{w.get_dimension_display()} {w.label}" for w in case_open_warnings(self.case)]
        return self.risk_warnings


def case_facts(case: Case) -> Facts:
    count = CaseParty.objects.filter(case=case).count()
    countries = sorted(
        set(
            Address.objects.filter(person__case_parties__case=case)
            .exclude(country="CN")
            .values_list("country", flat=True)
        )
    )
    return Facts(case=case, party_count=count, overseas_countries=countries)


def rule_match(rule: TriageRule, facts: Facts) -> list[dict[str, Any]] | None:
    """The reasons this rule matches (every condition it sets, with the values), or None."""
    case = facts.case
    reasons: list[dict[str, Any]] = []
    if rule.min_total is not None:
        if case.total < rule.min_total:
            return None
        reasons.append(_r("amount_min", total=case.total, limit=rule.min_total))
    if rule.max_total is not None:
        if case.total > rule.max_total:
            return None
        reasons.append(_r("amount_max", total=case.total, limit=rule.max_total))
    if rule.products:
        if case.product not in rule.products:
            return None
        reasons.append(_r("product", value=Product(case.product).label))
    institution_ids = {o.pk for o in rule.institutions.all()}
    if institution_ids:
        if case.institution_id not in institution_ids:
            return None
        reasons.append(_r("institution", value=case.institution.name if case.institution else ""))
    category_ids = {c.pk for c in rule.categories.all()}
    if category_ids:
        if case.category_id not in category_ids:
            return None
        reasons.append(_r("category", value=case.category.name if case.category else ""))
    if rule.keywords:
        text: str = getattr(case, "facts", "") or ""
        found = [k for k in rule.keywords if k in text]
        if not found:
            return None
        reasons.append(_r("keywords", value="、".join(found)))
    if rule.min_parties is not None:
        if facts.party_count < rule.min_parties:
            return None
        reasons.append(_r("parties_min", count=facts.party_count, limit=rule.min_parties))
    if rule.max_parties is not None:
        if facts.party_count > rule.max_parties:
            return None
        reasons.append(_r("parties_max", count=facts.party_count, limit=rule.max_parties))
    if rule.has_overseas_party is not None:
        abroad = bool(facts.overseas_countries)
        if abroad != rule.has_overseas_party:
            return None
        reasons.append(_r("overseas_yes", value=", ".join(facts.overseas_countries)) if abroad else _r("overseas_no"))
    if rule.wishes:
        asked = [w for w in rule.wishes if w in (case.wishes or [])]
        if not asked:
            return None
        reasons.append(_r("wishes", value="; ".join(str(Wish(w).label) for w in asked)))
    if rule.in_risk_stratum is not None:
        hits = facts.in_risk()
        if bool(hits) != rule.in_risk_stratum:
            return None
        reasons.append(_r("risk_warning", value="; ".join(hits)) if hits else _r("no_risk_warning"))
    if not reasons:
        reasons.append(_r("always"))
    return reasons


def memorandum_in_force(*, institution_id: int | None, on: dt.date) -> SmallClaimsMemorandum | None:
    if institution_id is None:
        return None
    return (
        SmallClaimsMemorandum.objects.filter(institution_id=institution_id, signed_on__lte=on, valid_until__gte=on)
        .order_by("-amount_limit", "-signed_on")
        .first()
    )


@dataclass
class Evaluation:
    """What the rules say for one case: the outcome fields and, per field, who decided and why."""

    category: Category | None
    channel: str
    track: str
    team: Team | None
    rule: TriageRule | None  # the first rule that decided anything
    reasons: list[dict[str, Any]]  # [{"field", "rule", "rule_id", "reasons": [...]}]


def active_rules() -> list[TriageRule]:
    """The active rules in order, with what `rule_match` reads prefetched (read once for many cases)."""
    return list(
        TriageRule.objects.filter(is_active=True)
        .select_related("set_category", "set_team")
        .prefetch_related("institutions", "categories")
        .order_by("position", "pk")
    )


def triage_evaluate(case: Case) -> Evaluation:
    """Apply the memorandum and the active rules, in order, to the case as submitted. Reads only."""
    on = timezone.localtime(case.submitted_at).date()
    memo = memorandum_in_force(institution_id=case.institution_id, on=on)
    return triage_decide(case, case_facts(case), rules=active_rules(), memo=memo)


def triage_decide(
    case: Case, facts: Facts, *, rules: Sequence[TriageRule], memo: SmallClaimsMemorandum | None
) -> Evaluation:
    """The decision itself, from what was read: no query of its own (unless `facts` reads the open risk warnings).

    The one rule set for every door: `triage_evaluate` (one case) and the batch import (many cases,
    rules and memorandum read once) both decide here.
    """
    decided: dict[str, Any] = {}
    explained: list[dict[str, Any]] = []
    first_rule: TriageRule | None = None

    if memo is not None and case.total <= memo.amount_limit:
        decided["track"] = Track.FAST
        explained.append(
            {
                "field": "track",
                "rule": None,
                "rule_id": None,
                "builtin": "memorandum",
                "reasons": [
                    _r(
                        "memorandum",
                        total=case.total,
                        limit=memo.amount_limit,
                        institution=memo.institution.name,
                        signed_on=memo.signed_on,
                        valid_until=memo.valid_until,
                    )
                ],
            }
        )

    for rule in rules:
        outcomes = {
            "category": rule.set_category,
            "channel": rule.set_channel,
            "track": rule.set_track,
            "team": rule.set_team,
        }
        open_fields = [f for f in OUTCOME_FIELDS if outcomes[f] and f not in decided]
        if not open_fields:
            continue
        reasons = rule_match(rule, facts)
        if reasons is None:
            continue
        for f in open_fields:
            if f == "team" and rule.set_team is not None and rule.set_team.court_id != case.court_id:
                explained.append(
                    {
                        "field": "team",
                        "rule": rule.name,
                        "rule_id": rule.pk,
                        "reasons": [_r("team_other_court", value=rule.set_team.name)],
                        "skipped": True,
                    }
                )
                continue
            decided[f] = outcomes[f]
            explained.append({"field": f, "rule": rule.name, "rule_id": rule.pk, "reasons": reasons})
            if first_rule is None:
                first_rule = rule
        if all(f in decided for f in OUTCOME_FIELDS):
            break

    for f, default in (("channel", Channel.MEDIABLE), ("track", Track.NORMAL)):
        if f not in decided:
            decided[f] = default
            explained.append({"field": f, "rule": None, "rule_id": None, "reasons": [_r("default")]})
    return Evaluation(
        category=decided.get("category", case.category),
        channel=str(decided["channel"]),
        track=str(decided["track"]),
        team=decided.get("team", case.team),
        rule=first_rule,
        reasons=explained,
    )


def _outcome(case: Case) -> dict[str, Any]:
    return {"category_id": case.category_id, "channel": case.channel, "track": case.track, "team_id": case.team_id}


def _record(
    *, case: Case, actor: Any, kind: str, rule: TriageRule | None, reasons: list[dict[str, Any]], reason: str = ""
) -> TriageDecision:
    decision = TriageDecision.objects.create(
        case=case,
        kind=kind,
        rule=rule,
        rule_name=rule.name if rule else "",
        reasons=reasons,
        reason=reason,
        category=case.category,
        channel=case.channel,
        track=case.track,
        team=case.team,
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor_ref(actor).label,
    )
    return decision


@transaction.atomic
def case_auto_triage(*, case: Case | int, actor: Any = SYSTEM, note: str = "") -> Case:
    """Triage a submitted case by the configured rules and take the `triage` step (with the note, if any)."""
    locked = case_lock(case, related=("institution", "category", "team"))
    if locked.state != CaseState.SUBMITTED:
        raise DomainError(_("Only a submitted case is triaged automatically."), code="illegal_transition")
    before = case_snapshot(locked)
    result = triage_evaluate(locked)
    locked.category, locked.channel, locked.track, locked.team = (
        result.category,
        result.channel,
        result.track,
        result.team,
    )
    locked.save(update_fields=["category", "channel", "track", "team", "updated_at"])
    decision = _record(case=locked, actor=actor, kind=DecisionKind.AUTO, rule=result.rule, reasons=result.reasons)
    audit_record(
        actor=actor,
        action=AuditAction.TRIAGE_DECIDE,
        obj=locked,
        before=before,
        after={
            **_outcome(locked),
            "triage": DecisionKind.AUTO.value,
            "decision_id": decision.pk,
            "rule": decision.rule_name,
            "reasons": result.reasons,
        },
    )
    return case_triage(case=locked, actor=actor, note=note)


class AutoDecision(NamedTuple):
    """One automatic decision as recorded: the outcome, the first rule that decided, the reasons as JSON."""

    category_id: int | None
    channel: str
    track: str
    team_id: int | None
    rule_id: int | None
    rule_name: str
    reasons_json: str


def triage_decisions_record_bulk(
    case_ids: list[int], *, decisions: Sequence[AutoDecision], writer: BulkWriter
) -> dict[str, Any]:
    """The `TriageDecision` of each case opened in bulk and triaged at once (a step of `cases_create_bulk`):
    the row `case_auto_triage` records, by the system, for the k-th case the k-th decision."""
    label = actor_ref(SYSTEM).label
    now = writer.now_db
    auto = DecisionKind.AUTO.value
    writer.insert(
        TriageDecision,
        (
            "case_id",
            "kind",
            "rule_id",
            "rule_name",
            "reasons",
            "reason",
            "category_id",
            "channel",
            "track",
            "team_id",
            "actor_id",
            "actor_label",
            "at",
        ),
        (
            (
                cid,
                auto,
                d.rule_id,
                d.rule_name,
                d.reasons_json,
                "",
                d.category_id,
                d.channel,
                d.track,
                d.team_id,
                None,
                label,
                now,
            )
            for cid, d in zip(case_ids, decisions, strict=True)
        ),
    )
    return {"triage_decisions": len(case_ids)}


@transaction.atomic
def case_triage_override(
    *,
    case: Case | int,
    actor: Any,
    category: Category | None,
    channel: str,
    track: str,
    team: Team | None,
    reason: str,
) -> Case:
    """Staff change a case's triage with a reason. Clerks of the case's court and the center."""
    if not may(actor, "triage.override"):
        raise NotAllowed(_("Only the center and the court's clerks may change the triage."), code="role")
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may(actor, "triage.override", locked):
        raise NotAllowed(_("Only the court that holds this case may do this."), code="other_court")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for changing the triage."), code="reason_required")
    if locked.state not in OVERRIDE_STATES:
        raise DomainError(
            _("The triage can be changed only once the case is triaged and while it is open."), code="illegal_state"
        )
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    if track not in Track.values:
        raise DomainError(_("Unknown track."), code="track")
    if team is not None and team.court_id != locked.court_id:
        raise DomainError(_("The team belongs to another court."), code="team_court")
    before = case_snapshot(locked)
    locked.category, locked.channel, locked.track, locked.team = category, channel, track, team
    locked.save(update_fields=["category", "channel", "track", "team", "updated_at"])
    decision = _record(case=locked, actor=actor, kind=DecisionKind.OVERRIDE, rule=None, reasons=[], reason=reason)
    case_event_record(
        locked,
        actor=actor,
        kind="triage_changed",
        note=reason,
        data={
            "channel": channel,
            "track": track,
            "category": category.name if category else "",
            "team": team.name if team else "",
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.TRIAGE_OVERRIDE,
        obj=locked,
        before=before,
        after={**_outcome(locked), "triage": DecisionKind.OVERRIDE.value, "decision_id": decision.pk, "reason": reason},
    )
    return locked


@transaction.atomic
def triage_rule_create(
    *,
    actor: Any,
    name: str,
    position: int = 100,
    categories: Sequence[Category] = (),
    institutions: Sequence[Any] = (),
    **fields: Any,
) -> TriageRule:
    """A new rule (conditions and outcomes as the model's fields), checked and recorded."""
    rule = TriageRule(name=name, position=position, **fields)
    rule.full_clean(exclude=["categories", "institutions"])
    rule.save()
    if categories:
        rule.categories.set(categories)
    if institutions:
        rule.institutions.set(institutions)
    audit_record(
        actor=actor,
        action=AuditAction.REFERENCE_CHANGE,
        obj=rule,
        after={
            **snapshot(rule),
            "categories": [c.code for c in categories],
            "institutions": [o.pk for o in institutions],
        },
    )
    return rule


@transaction.atomic
def memorandum_create(
    *,
    actor: Any,
    institution: Any,
    signed_on: dt.date,
    valid_until: dt.date,
    amount_limit: Any = None,
    note: str = "",
) -> SmallClaimsMemorandum:
    """An institution's signed small-claims memorandum, checked and recorded."""
    memo = SmallClaimsMemorandum(institution=institution, signed_on=signed_on, valid_until=valid_until, note=note)
    if amount_limit is not None:
        memo.amount_limit = amount_limit
    memo.full_clean()
    memo.save()
    audit_record(actor=actor, action=AuditAction.REFERENCE_CHANGE, obj=memo, after=snapshot(memo))
    return memo


@transaction.atomic
def cases_assign_team_bulk(*, cases: list[Case], actor: Any, team: Team) -> list[Case]:
    """Assign several cases to one team: all of them, or none with the reason for the first refusal."""
    done = []
    for case in sorted(cases, key=lambda c: c.pk):
        try:
            done.append(case_assign_team(case=case.pk, actor=actor, team=team))
        except DomainError as exc:
            raise type(exc)(
                _("Nothing was assigned: case %(case)s: %(why)s")
                % {"case": case.number or case.pk, "why": exc.message},
                code=exc.code,
            ) from exc
    return done

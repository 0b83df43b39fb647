"""Reads for triage: decisions in words, the result other apps show, and the worklists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.cases.choices import Channel, Colour, Track
from xietong.cases.definitions import OPEN_STATES, STATUTORY_DAYS, overdue_q
from xietong.cases.models import Case

from .choices import REASON_TEXT, DecisionKind
from .models import TriageDecision

FIELD_LABELS = {
    "category": gettext_lazy("category"),
    "channel": gettext_lazy("channel"),
    "track": gettext_lazy("track"),
    "team": gettext_lazy("team"),
}


def reason_text(reason: dict[str, Any]) -> str:
    template = REASON_TEXT.get(reason.get("code", ""))
    if template is None:
        return str(reason.get("code", ""))
    try:
        return str(template) % reason.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def decision_explained(decision: TriageDecision) -> list[dict[str, Any]]:
    """Per outcome field: which rule decided it and why, in the reader's language."""
    rows = []
    for item in decision.reasons or []:
        if item.get("builtin") == "memorandum":
            rule = _("small-claims memorandum (built in)")
        else:
            rule = item.get("rule") or _("default")
        rows.append(
            {
                "field": item.get("field", ""),
                "field_label": str(FIELD_LABELS.get(item.get("field", ""), item.get("field", ""))),
                "rule": str(rule),
                "skipped": bool(item.get("skipped")),
                "why": "; ".join(reason_text(r) for r in item.get("reasons", [])),
            }
        )
    return rows


def triage_decisions(case: Case) -> list[TriageDecision]:
    """Every decision of the case, newest first."""
    return list(
        TriageDecision.objects.filter(case=case).select_related("category", "team", "rule").order_by("-at", "-pk")
    )


def decision_dict(d: TriageDecision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": str(DecisionKind(d.kind).label),
        "rule": d.rule_name or None,
        "category": d.category.name if d.category else None,
        "colour": (d.category.colour or None) if d.category else None,
        "channel": d.channel,
        "channel_label": str(Channel(d.channel).label) if d.channel else "",
        "track": d.track,
        "track_label": str(Track(d.track).label) if d.track else "",
        "team": d.team.name if d.team else None,
        "reasons": [f"{r['field_label']}: {r['rule']} — {r['why']}" for r in decision_explained(d)],
        "override_reason": d.reason,
        "by": d.actor_label,
        "at": d.at,
    }


def triage_result_for(case: Case) -> dict[str, Any]:
    """The case's current triage, ready for `xietong.triage.schemas.TriageResultOut`.

    {"category": str|None, "colour": "green"|"yellow"|"red"|None, "channel": str, "channel_label": str,
     "track": str, "track_label": str, "team": str|None, "rule": str|None, "reasons": [str],
     "overridden": bool, "decided_at": datetime|None}
    The values are the case's own fields; rule, reasons and time come from its latest decision.
    """
    latest = TriageDecision.objects.filter(case_id=case.pk).order_by("-at", "-pk").first()
    category = case.category
    return {
        "category": category.name if category else None,
        "colour": (category.colour or None) if category else None,
        "channel": case.channel,
        "channel_label": str(Channel(case.channel).label) if case.channel else "",
        "track": case.track,
        "track_label": str(Track(case.track).label) if case.track else "",
        "team": case.team.name if case.team else None,
        "rule": (latest.rule_name or None) if latest else None,
        "reasons": decision_dict(latest)["reasons"] if latest else [],
        "overridden": bool(latest and latest.kind == DecisionKind.OVERRIDE),
        "decided_at": latest.at if latest else None,
    }


# Worklists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistFilters:
    channel: str = ""
    track: str = ""
    colour: str = ""


def worklist_base(*, actor: Any) -> QuerySet[Case]:
    return Case.objects.restrict(actor).filter(state__in=OPEN_STATES)


def worklist_counts(*, actor: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Counts per channel, track and colour, and how many are past the target and the limit: one query."""
    now = now or timezone.now()
    agg: dict[str, Any] = {"total": Count("pk")}
    agg["overdue"] = Count("pk", filter=overdue_q(now))
    agg["past_limit"] = Count("pk", filter=overdue_q(now, days=STATUTORY_DAYS))
    agg["untriaged"] = Count("pk", filter=Q(channel=""))
    for c in Channel.values:
        agg[f"channel_{c}"] = Count("pk", filter=Q(channel=c))
    for t in Track.values:
        agg[f"track_{t}"] = Count("pk", filter=Q(track=t))
    for col in Colour.values:
        agg[f"colour_{col}"] = Count("pk", filter=Q(category__colour=col))
    row = worklist_base(actor=actor).aggregate(**agg)
    return {
        "total": row["total"],
        "overdue": row["overdue"],
        "past_limit": row["past_limit"],
        "untriaged": row["untriaged"],
        "channel": [(c, Channel(c).label, row[f"channel_{c}"]) for c in Channel.values],
        "track": [(t, Track(t).label, row[f"track_{t}"]) for t in Track.values],
        "colour": [(c, Colour(c).label, row[f"colour_{c}"]) for c in Colour.values],
    }


def worklist_cases(*, actor: Any, filters: WorklistFilters | None = None) -> QuerySet[Case]:
    """Open cases of one queue, oldest (most overdue) first."""
    f = filters or WorklistFilters()
    qs = worklist_base(actor=actor)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.track:
        qs = qs.filter(track=f.track)
    if f.colour:
        qs = qs.filter(category__colour=f.colour)
    return qs.select_related("court", "institution", "category", "team").order_by("submitted_at", "pk")

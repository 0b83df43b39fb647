"""Reads of the risk app: which warnings an actor sees, the cases behind one, and its breakdowns.

Who sees what (one rule for pages and API):
* the center admin, court clerks and judges: every warning, and the cases behind it they may see;
* a regulator: the warnings of the strata in its organisation's remit (`choices.REMIT`), as counts
  only — no names, ID or phone numbers; a breakdown cell under five is not shown;
* an institution (operator or API client): the warnings about itself;
* everybody else: none.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xietong.accounts.permissions import may
from xietong.cases.choices import Door, Product
from xietong.cases.models import Case

from .choices import OPEN_STATES, REMIT, Detector, Dimension, RespondentKind, WarningState
from .counting import day_bounds, districts_of
from .models import RiskWarning
from .permissions import restrict_warnings

SMALL_CELL = 5


def warnings_visible(actor: Any) -> QuerySet[RiskWarning]:
    return restrict_warnings(RiskWarning.objects.select_related("institution", "escalated_to"), actor)


def warnings_arrived(actor: Any) -> QuerySet[RiskWarning]:
    """The new warnings (no step taken yet) that wait for this actor: those in a regulator's remit, every
    one for the center; the most severe first. Nobody else acts on warnings, so nothing waits for them."""
    if not may(actor, "risk.act"):
        return RiskWarning.objects.none()
    return warnings_visible(actor).filter(state=WarningState.NEW).order_by("-severity", "-reading_on", "-pk")


def may_open_cases(actor: Any) -> bool:
    return may(actor, "risk.open_cases")


def may_see_names(actor: Any) -> bool:
    """Regulators and institutions see counts: a person named as respondent is shown masked."""
    return may(actor, "risk.names")


def mask_name(name: str) -> str:
    """A person's name as regulators see it: the surname only (张某某)."""
    return (name[:1] + "某某") if name else ""


def stratum_label(warning: RiskWarning, actor: Any) -> str:
    if warning.dimension == Dimension.PRODUCT and warning.key in Product.values:
        return str(Product(warning.key).label)
    if warning.dimension == Dimension.DOOR and warning.key in Door.values:
        return str(Door(warning.key).label)
    if warning.respondent_kind == RespondentKind.PERSON and not may_see_names(actor):
        return mask_name(warning.label)
    return warning.label


def warning_window(warning: RiskWarning) -> tuple[dt.date, dt.date]:
    days = 30 if warning.detector in (Detector.CLUSTER, Detector.FACTS) else 7
    return warning.reading_on - dt.timedelta(days=days - 1), warning.reading_on


def cases_behind(warning: RiskWarning) -> QuerySet[Case]:
    """The disputes of the warning's stratum in the window of its last reading (any actor: restrict after)."""
    first, last = warning_window(warning)
    start, end = day_bounds(first, last)
    qs = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end).exclude(
        door__in=[Door.BATCH, Door.API], institution__isnull=False
    )
    dim, key = warning.dimension, warning.key
    if dim == Dimension.FACTS:
        return Case.objects.filter(pk__in=warning.case_ids or [])
    if dim == Dimension.INSTITUTION:
        return qs.filter(institution_id=int(key))
    if dim == Dimension.PRODUCT:
        return qs.filter(product=key)
    if dim == Dimension.CATEGORY:
        return qs.filter(category_id=int(key))
    if dim == Dimension.DOOR:
        return qs.filter(door=key)
    if dim == Dimension.RESPONDENT:
        return qs.filter(named_respondent__key=key)
    if dim == Dimension.DISTRICT:
        ids = list(qs.values_list("pk", flat=True))
        district, _persons = districts_of(ids)
        return qs.filter(pk__in=[pk for pk, d in district.items() if d == key])
    return qs.none()


def breakdown(warning: RiskWarning, *, suppress: bool) -> list[dict[str, Any]]:
    """The window's disputes by product and by door (other cuts of the stratum); small cells hidden."""
    qs = cases_behind(warning)
    rows = list(qs.values_list("pk", "product", "door"))
    out = []
    for title, index, labels in ((_("product"), 1, dict(Product.choices)), (_("door"), 2, dict(Door.choices))):
        counts = Counter(str(r[index]) for r in rows)
        cells = []
        hidden = 0
        for code, n in counts.most_common():
            if suppress and n < SMALL_CELL:
                hidden += n
                continue
            name = str(labels.get(code, code))
            cells.append({"label": name, "count": n})
        if hidden:
            cells.append({"label": _("other (cells under %(n)s not shown)") % {"n": SMALL_CELL}, "count": hidden})
        out.append({"title": title, "cells": cells})
    return out


def open_warning_strata() -> set[tuple[str, str]]:
    """The (dimension, key) of every open warning and cluster lead (triage reads this)."""
    return set(RiskWarning.objects.filter(state__in=sorted(OPEN_STATES)).values_list("dimension", "key").distinct())


def case_open_warnings(case: Case) -> list[RiskWarning]:
    """The open warnings whose stratum this case belongs to (never for an institution's own delivery)."""
    from .counting import case_strata_for

    strata = case_strata_for(case)
    open_ = open_warning_strata()
    hit = [s for s in strata if s in open_]
    found = []
    if hit:
        qs = RiskWarning.objects.filter(state__in=sorted(OPEN_STATES))
        found = [w for w in qs if (w.dimension, w.key) in hit]
    if any(d == Dimension.FACTS for d, _k in open_) and (Dimension.COLLECTION, str(case.institution_id)) not in strata:
        found += facts_leads_of(case)
    return found


FACTS_COMPARED = 50  # a new dispute is compared with this many of a lead's disputes at most


def facts_leads_of(case: Case) -> list[RiskWarning]:
    """The open leads on near-identical facts this dispute is one of, or whose facts it repeats."""
    from .similarity import resembles

    out = []
    for w in RiskWarning.objects.filter(dimension=Dimension.FACTS, state__in=sorted(OPEN_STATES)).order_by("pk"):
        ids = list(w.case_ids or [])
        if case.pk in ids:
            out.append(w)
            continue
        facts = Case.objects.filter(pk__in=ids[:FACTS_COMPARED]).values_list("facts", flat=True)
        if resembles(case.facts, facts):
            out.append(w)
    return out


def may_view_warnings(actor: Any) -> bool:
    return may(actor, "risk.view")


def why_text(warning: RiskWarning) -> str:
    from .choices import WHY_TEXT

    code = (warning.why or {}).get("code", "")
    template = WHY_TEXT.get(code)
    if template is None:
        return ""
    try:
        return str(template) % (warning.why.get("params") or {})
    except (KeyError, TypeError, ValueError):
        return ""


def warning_summary(warning: RiskWarning, actor: Any) -> dict[str, Any]:
    """What every reader may see of a warning: counts, strata and the method; no personal data."""
    return {
        "id": warning.pk,
        "dimension": warning.dimension,
        "dimension_label": str(warning.get_dimension_display()),
        "stratum": stratum_label(warning, actor),
        "detector": warning.detector,
        "detector_label": str(warning.get_detector_display()),
        "kind": warning.kind,
        "kind_label": str(warning.get_kind_display()),
        "state": warning.state,
        "state_label": str(warning.get_state_display()),
        "severity": warning.severity,
        "severity_label": str(warning.get_severity_display()),
        "opened_on": warning.opened_on,
        "reading_on": warning.reading_on,
        "observed": warning.observed,
        "claimants": warning.claimants,
        "baseline": warning.baseline,
        "threshold": warning.threshold,
        "why": why_text(warning),
        "escalated_to": warning.escalated_to.name if warning.escalated_to else None,
        "snoozed_until": warning.snoozed_until,
        "resolution": warning.resolution or None,
    }


def warning_detail(warning: RiskWarning, actor: Any) -> dict[str, Any]:
    return {
        **warning_summary(warning, actor),
        "params": warning.params,
        "series": [
            {"day": p["day"], "cases": int(p["cases"]), "claimants": int(p["claimants"])} for p in warning.series
        ],
        "breakdown": breakdown(warning, suppress=not may_open_cases(actor)),
    }


# Counts per stratum over recent weeks ---------------------------------------------------------------

COUNT_WEEKS = 8
COUNT_ROWS = 40


def may_view_counts(actor: Any) -> bool:
    return may(actor, "risk.counts")


def count_dimensions(actor: Any) -> list[str]:
    """The dimensions an actor may see counted: court staff every one, a regulator those in its remit
    (and the institutions' own deliveries, which are counts of collection work, no complaint)."""
    if may(actor, "risk.every_dimension"):
        return [d for d in Dimension.values if d != Dimension.FACTS]
    org = getattr(actor, "organisation", None)
    remit = REMIT.get(org.kind, frozenset()) if org is not None else frozenset()
    return [d for d in Dimension.values if d != Dimension.FACTS and (d in remit or d == Dimension.COLLECTION)]


def _count_label(dimension: str, key: str, label: str, *, names: bool, persons: set[str]) -> str:
    if dimension == Dimension.PRODUCT and key in Product.values:
        return str(Product(key).label)
    if dimension == Dimension.DOOR and key in Door.values:
        return str(Door(key).label)
    if dimension == Dimension.RESPONDENT and key in persons and not names:
        return mask_name(label)
    return label or key


def weekly_counts(*, actor: Any, dimension: str, today: dt.date, weeks: int = COUNT_WEEKS) -> dict[str, Any]:
    """New disputes per stratum of one dimension in the last `weeks` rolling weeks (ending `today`).

    For regulators (suppress): a cell of 1 to 4 disputes is shown as "under 5"; strata with fewer than
    five disputes in all the weeks are merged into one row; a row's total is not shown when one of its
    cells is suppressed (it would give the suppressed cell away).
    """
    from .models import DailyCount, NamedRespondent

    suppress = not may_open_cases(actor)
    first = today - dt.timedelta(days=7 * weeks - 1)
    spans = [(first + dt.timedelta(days=7 * i), first + dt.timedelta(days=7 * i + 6)) for i in range(weeks)]
    table: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for key, label, day, n in (
        DailyCount.objects.filter(dimension=dimension, day__gte=first, day__lte=today)
        .order_by("day")
        .values_list("key", "label", "day", "cases")
    ):
        table.setdefault(key, [0] * weeks)[(day - first).days // 7] += n
        labels[key] = label
    persons: set[str] = set()
    if dimension == Dimension.RESPONDENT:
        persons = set(
            NamedRespondent.objects.filter(key__in=list(table), kind=RespondentKind.PERSON).values_list(
                "key", flat=True
            )
        )
    rows: list[tuple[str, list[int]]] = [
        (_count_label(dimension, key, labels[key], names=not suppress, persons=persons), counts)
        for key, counts in table.items()
    ]
    rows.sort(key=lambda r: (-sum(r[1]), r[0]))
    if suppress:
        small = [r for r in rows if sum(r[1]) < SMALL_CELL]
        rows = [r for r in rows if sum(r[1]) >= SMALL_CELL]
        if small:
            merged = [sum(r[1][i] for r in small) for i in range(weeks)]
            label = _("%(n)s other strata, each under %(limit)s") % {"n": len(small), "limit": SMALL_CELL}
            rows.append((label, merged))
    more = max(0, len(rows) - COUNT_ROWS)
    out_rows = []
    for label, counts in rows[:COUNT_ROWS]:
        total = sum(counts)
        cells = [
            {"n": n, "hidden": suppress and 0 < n < SMALL_CELL, "week": f"{a:%m-%d}–{b:%m-%d}"}
            for n, (a, b) in zip(counts, spans, strict=True)
        ]
        hidden = any(c["hidden"] for c in cells) or (suppress and 0 < total < SMALL_CELL)
        out_rows.append({"label": label, "cells": cells, "total": total, "total_hidden": hidden})
    return {"weeks": spans, "rows": out_rows, "more": more, "suppressed": suppress}

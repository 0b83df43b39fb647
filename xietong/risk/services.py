"""Writes of the risk app: named respondents, the daily detection, and the warnings' workflow.

Every step of a warning is a service here: keyword-only, atomic, the warning row locked, audited,
notifications on commit. A refused step raises a `DomainError` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xietong.accounts.choices import REGULATOR_KINDS, Role
from xietong.accounts.models import Organisation, User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import PartyRole, Product
from xietong.cases.models import Case, CaseParty
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.validators import validate_uscc
from xietong.notifications.services import email_send, public_url

from .choices import (
    DETECTED,
    OPEN_STATES,
    REMIT,
    STEP_LABELS,
    Detector,
    Dimension,
    Resolution,
    RespondentKind,
    WarningKind,
    WarningState,
)
from .counting import OWN_DOORS, day_bounds, local_tz, risk_counts_rollup
from .detectors import Reading, detect_series, severity_of
from .models import DailyCount, NamedRespondent, RiskWarning, WarningNotice, WarningStep
from .similarity import SimilarityParams, similar_groups

HISTORY_DAYS = 3 * 364 + 7  # what the GLM baseline reads at most (156 weeks) plus the current week
SERIES_DAYS = 91  # the daily series stored with a warning (13 weeks)
CLUSTER_DAYS = 30
CLUSTER_MIN_CLAIMANTS = 5
FACTS_DAYS = 30
FACTS_MIN_CLAIMANTS = 5


# Named respondents ----------------------------------------------------------------------------


def respondent_key(*, name: str, uscc: str = "") -> str:
    """Claimants naming the same respondent: the same credit code, else the same normalised name."""
    if uscc:
        return f"uscc:{uscc.upper()}"
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "name:" + re.sub(r"[\s()（）·.,，、\"'“”]+", "", folded)


@transaction.atomic
def named_respondent_record(
    *, actor: Any, case: Case, name: str, kind: str = RespondentKind.COMPANY, uscc: str = ""
) -> NamedRespondent:
    """Record who the claimant names as respondent when it is not a licensed institution."""
    name = (name or "").strip()
    uscc = (uscc or "").strip().upper()
    if not name:
        raise DomainError(_("Give the name of the company or person the dispute is against."), code="respondent_name")
    if kind not in RespondentKind.values:
        raise DomainError(_("Unknown kind of respondent."), code="respondent_kind")
    if uscc:
        validate_uscc(uscc)
        if kind != RespondentKind.COMPANY:
            raise DomainError(_("Only a company has a unified social credit code."), code="respondent_uscc")
    if NamedRespondent.objects.filter(case=case).exists():
        raise DomainError(_("This case already names a respondent."), code="respondent_exists")
    row = NamedRespondent(case=case, kind=kind, name=name[:200], uscc=uscc, key=respondent_key(name=name, uscc=uscc))
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.RISK_RESPONDENT,
        obj=row,
        after={"case_id": case.pk, "kind": kind, "key": row.key},
    )
    return row


# Detection ------------------------------------------------------------------------------------


@dataclass
class DetectResult:
    day: dt.date
    strata: int = 0
    raised: int = 0
    worse: int = 0
    readings: int = 0


def load_series(*, day: dt.date, days: int = HISTORY_DAYS) -> tuple[dict[tuple[str, str], np.ndarray], dt.date]:
    """Daily case counts of every detected stratum with a dispute in the last 7 days, ending on `day`."""
    first_any = DailyCount.objects.order_by("day").values_list("day", flat=True).first()
    start = max(day - dt.timedelta(days=days - 1), first_any or day)
    recent = set(
        DailyCount.objects.filter(day__gt=day - dt.timedelta(days=7), day__lte=day, dimension__in=DETECTED)
        .values_list("dimension", "key")
        .distinct()
    )
    n = (day - start).days + 1
    series: dict[tuple[str, str], np.ndarray] = {k: np.zeros(n) for k in recent}
    by_dim: dict[str, set[str]] = defaultdict(set)
    for d, k in recent:
        by_dim[d].add(k)
    for dim, keys in by_dim.items():
        rows = DailyCount.objects.filter(dimension=dim, day__gte=start, day__lte=day)
        if len(keys) < 500:
            rows = rows.filter(key__in=keys)
        for key, on, c in rows.values_list("key", "day", "cases").iterator(chunk_size=5000):
            arr = series.get((dim, key))
            if arr is not None:
                arr[(on - start).days] = c
    return series, start


def series_snapshot(*, dimension: str, key: str, day: dt.date) -> list[dict[str, Any]]:
    first = day - dt.timedelta(days=SERIES_DAYS - 1)
    rows = {
        d: (c, cl)
        for d, c, cl in DailyCount.objects.filter(
            dimension=dimension, key=key, day__gte=first, day__lte=day
        ).values_list("day", "cases", "claimants")
    }
    out = []
    for i in range(SERIES_DAYS):
        d = first + dt.timedelta(days=i)
        c, cl = rows.get(d, (0, 0))
        out.append({"day": d.isoformat(), "cases": c, "claimants": cl})
    return out


def respondent_clusters(*, day: dt.date) -> list[tuple[str, int, int]]:
    """(respondent key, distinct claimants, disputes) over the 30 days ending on `day`, own deliveries aside."""
    start, end = day_bounds(day - dt.timedelta(days=CLUSTER_DAYS - 1), day)
    rows = (
        CaseParty.objects.filter(
            person__isnull=False,
            case__submitted_at__gte=start,
            case__submitted_at__lt=end,
            case__named_respondent__isnull=False,
        )
        .exclude(case__door__in=["batch", "api"], case__institution__isnull=False)
        .values("case__named_respondent__key")
        .annotate(claimants=Count("person", distinct=True), disputes=Count("case", distinct=True))
        .filter(claimants__gte=CLUSTER_MIN_CLAIMANTS)
    )
    return [(r["case__named_respondent__key"], r["claimants"], r["disputes"]) for r in rows]


def complaints(*, start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    """The disputes claimants brought in [start, end): the citizen side applies. An institution's own
    deliveries (batch, API) and the claims it files itself at the counter or online are its collection
    work: their facts are its own boilerplate, near-identical by design."""
    bank_applies = CaseParty.objects.filter(organisation__isnull=False, role=PartyRole.APPLICANT).values("case_id")
    return (
        Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .exclude(door__in=sorted(OWN_DOORS), institution__isnull=False)
        .exclude(pk__in=bank_applies)
    )


@dataclass
class FactsCluster:
    case_ids: list[int]
    claimants: int


def facts_clusters(
    *, day: dt.date, params: SimilarityParams | None = None, skip_respondents: frozenset[str] = frozenset()
) -> list[FactsCluster]:
    """Groups of new disputes (30 days ending on `day`) with near-identical facts and at least
    FACTS_MIN_CLAIMANTS distinct claimants, whatever respondent they name. A group whose disputes all
    name one respondent already in a claimant cluster (`skip_respondents`) is that lead already."""
    start, end = day_bounds(day - dt.timedelta(days=FACTS_DAYS - 1), day)
    rows = complaints(start=start, end=end).values_list("pk", "facts")
    groups = [g for g in similar_groups(rows.iterator(chunk_size=2000), params) if len(g) >= FACTS_MIN_CLAIMANTS]
    if not groups:
        return []
    ids = [pk for g in groups for pk in g]
    persons: dict[int, set[int]] = defaultdict(set)
    for case_id, person_id in CaseParty.objects.filter(case_id__in=ids, person__isnull=False).values_list(
        "case_id", "person_id"
    ):
        persons[case_id].add(person_id)
    named = dict(NamedRespondent.objects.filter(case_id__in=ids).values_list("case_id", "key"))
    out = []
    for g in groups:
        claimants = set().union(*(persons[pk] for pk in g))
        if len(claimants) < FACTS_MIN_CLAIMANTS:
            continue
        keys = {named.get(pk) for pk in g}
        if len(keys) == 1 and next(iter(keys)) in skip_respondents:
            continue
        out.append(FactsCluster(case_ids=g, claimants=len(claimants)))
    return out


def _facts_series(case_ids: list[int], day: dt.date) -> list[dict[str, Any]]:
    """The daily series of a facts cluster's own disputes (it has no DailyCount stratum)."""
    tz = local_tz()
    first = day - dt.timedelta(days=SERIES_DAYS - 1)
    cases: dict[dt.date, int] = defaultdict(int)
    claimants: dict[dt.date, set[int]] = defaultdict(set)
    submitted = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "submitted_at"))
    for case_id, person_id in CaseParty.objects.filter(case_id__in=case_ids, person__isnull=False).values_list(
        "case_id", "person_id"
    ):
        claimants[submitted[case_id].astimezone(tz).date()].add(person_id)
    for at in submitted.values():
        cases[at.astimezone(tz).date()] += 1
    out = []
    for i in range(SERIES_DAYS):
        d = first + dt.timedelta(days=i)
        out.append({"day": d.isoformat(), "cases": cases.get(d, 0), "claimants": len(claimants.get(d, ()))})
    return out


def _facts_label(case_ids: list[int]) -> str:
    """What the disputes share, without personal data: the product, and the institution if all name one."""
    with translation.override(settings.LANGUAGE_CODE):
        cases = list(Case.objects.filter(pk__in=case_ids).select_related("institution"))
        product = Counter(c.product for c in cases).most_common(1)[0][0]
        parts = [str(Product(product).label) if product in Product.values else product]
        institutions = {c.institution.display_name for c in cases if c.institution is not None}
        if len(institutions) == 1 and all(c.institution is not None for c in cases):
            parts.append(institutions.pop())
        return " · ".join(parts)


def _facts_key(case_ids: list[int]) -> str:
    """The stratum key of a facts cluster: the open lead it continues (sharing a dispute), else its first dispute."""
    members = set(case_ids)
    for key, ids in RiskWarning.objects.filter(
        dimension=Dimension.FACTS, detector=Detector.FACTS, state__in=sorted(OPEN_STATES)
    ).values_list("key", "case_ids"):
        if members & set(ids or []):
            return key
    return f"case:{min(case_ids)}"


def risk_detect(*, day: dt.date | None = None, rollup: bool = True) -> DetectResult:
    """The daily run: recount the day (idempotent), read every active stratum, raise or update warnings.

    Running it again for the same day changes nothing and notifies nobody again.
    """
    day = day or timezone.localdate()
    if rollup:
        risk_counts_rollup(day=day)
    result = DetectResult(day=day)
    series, _start = load_series(day=day)
    result.strata = len(series)
    for (dim, key), counts in sorted(series.items()):
        reading = detect_series(counts)
        result.readings += 1
        if reading.exceeds:
            outcome = warning_raise(dimension=dim, key=key, day=day, reading=reading)
            result.raised += outcome == "raised"
            result.worse += outcome == "worse"
    cluster_keys: set[str] = set()
    for key, claimants, disputes in respondent_clusters(day=day):
        threshold = float(CLUSTER_MIN_CLAIMANTS)
        reading = Reading(
            detector=Detector.CLUSTER,
            observed=disputes,
            baseline=0.0,
            threshold=threshold,
            exceeds=True,
            severity=severity_of(claimants, threshold, True),
            params={"days": CLUSTER_DAYS, "min_claimants": CLUSTER_MIN_CLAIMANTS},
            why={
                "code": "cluster",
                "params": {"claimants": claimants, "days": CLUSTER_DAYS, "limit": CLUSTER_MIN_CLAIMANTS},
            },
        )
        outcome = warning_raise(dimension=Dimension.RESPONDENT, key=key, day=day, reading=reading, claimants=claimants)
        result.raised += outcome == "raised"
        result.worse += outcome == "worse"
        cluster_keys.add(key)
    params = SimilarityParams()
    for cluster in facts_clusters(day=day, params=params, skip_respondents=frozenset(cluster_keys)):
        threshold = float(FACTS_MIN_CLAIMANTS)
        reading = Reading(
            detector=Detector.FACTS,
            observed=len(cluster.case_ids),
            baseline=0.0,
            threshold=threshold,
            exceeds=True,
            severity=severity_of(cluster.claimants, threshold, True),
            params={"days": FACTS_DAYS, "min_claimants": FACTS_MIN_CLAIMANTS, **params.as_dict()},
            why={
                "code": "facts",
                "params": {
                    "claimants": cluster.claimants,
                    "disputes": len(cluster.case_ids),
                    "days": FACTS_DAYS,
                    "threshold": params.threshold,
                    "limit": FACTS_MIN_CLAIMANTS,
                },
            },
        )
        outcome = warning_raise(
            dimension=Dimension.FACTS,
            key=_facts_key(cluster.case_ids),
            day=day,
            reading=reading,
            claimants=cluster.claimants,
            case_ids=cluster.case_ids,
        )
        result.raised += outcome == "raised"
        result.worse += outcome == "worse"
    return result


def _label(dimension: str, key: str) -> tuple[str, str, Organisation | None]:
    org = None
    kind = ""
    label = key
    if dimension == Dimension.INSTITUTION:
        org = Organisation.objects.filter(pk=int(key)).first()
        label = org.name if org else key
    else:
        row = DailyCount.objects.filter(dimension=dimension, key=key).order_by("-day").first()
        label = row.label if row else key
        if dimension == Dimension.RESPONDENT:
            named = NamedRespondent.objects.filter(key=key).order_by("pk").first()
            if named is not None:
                label, kind = named.name, named.kind
    return label, kind, org


@transaction.atomic
def warning_raise(
    *,
    dimension: str,
    key: str,
    day: dt.date,
    reading: Reading,
    claimants: int | None = None,
    case_ids: list[int] | None = None,
) -> str:
    """Open a warning for the stratum, or update the open one. Returns "raised", "worse" or "same".

    A lead on near-identical facts names its disputes (`case_ids`): its series is theirs."""
    if case_ids is not None:
        series = _facts_series(case_ids, day)
    else:
        series = series_snapshot(dimension=dimension, key=key, day=day)
    window = series[-7:] if reading.detector not in (Detector.CLUSTER, Detector.FACTS) else series[-CLUSTER_DAYS:]
    n_claimants = claimants if claimants is not None else sum(p["claimants"] for p in window)
    reading_fields = {
        "observed": reading.observed,
        "baseline": reading.baseline,
        "threshold": reading.threshold,
        "params": reading.params,
        "why": reading.why,
        "series": series,
        "reading_on": day,
        "claimants": n_claimants,
    }
    if case_ids is not None:
        reading_fields["case_ids"] = sorted(case_ids)
    warning = (
        RiskWarning.objects.select_for_update()
        .filter(dimension=dimension, key=key, detector=reading.detector, state__in=OPEN_STATES)
        .first()
    )
    if warning is None:
        label, kind, org = _label(dimension, key) if case_ids is None else (_facts_label(case_ids), "", None)
        warning = RiskWarning.objects.create(
            dimension=dimension,
            key=key,
            label=label[:220],
            respondent_kind=kind,
            institution=org,
            detector=reading.detector,
            kind=WarningKind.LEAD if reading.detector in (Detector.CLUSTER, Detector.FACTS) else WarningKind.SIGNAL,
            severity=reading.severity,
            opened_on=day,
            **reading_fields,
        )
        _step(warning, actor=SYSTEM, code="raised", to_state=WarningState.NEW, data={"severity": reading.severity})
        audit_record(actor=SYSTEM, action=AuditAction.RISK_RAISE, obj=warning, after=_audit_view(warning))
        _notify(warning)
        return "raised"
    if warning.reading_on > day:
        return "same"  # an older day run again: the newer reading stands
    before = _audit_view(warning)
    for f, v in reading_fields.items():
        setattr(warning, f, v)
    outcome = "same"
    if warning.state == WarningState.SNOOZED and warning.snoozed_until and day > warning.snoozed_until:
        warning.state = WarningState.NEW
        _step(warning, actor=SYSTEM, code="snooze_over", from_state=WarningState.SNOOZED, to_state=WarningState.NEW)
        warning.notified_severity = 0  # the snooze is over: tell them again
        outcome = "worse"
    if reading.severity > warning.severity:
        warning.severity = reading.severity
        _step(warning, actor=SYSTEM, code="worse", data={"severity": reading.severity})
        outcome = "worse"
    warning.save()
    if outcome == "worse":
        audit_record(
            actor=SYSTEM, action=AuditAction.RISK_WORSE, obj=warning, before=before, after=_audit_view(warning)
        )
        _notify(warning)
    return outcome


def _audit_view(w: RiskWarning) -> dict[str, Any]:
    return {
        "dimension": w.dimension,
        "key": w.key,
        "detector": w.detector,
        "state": w.state,
        "severity": w.severity,
        "observed": w.observed,
        "baseline": w.baseline,
        "threshold": w.threshold,
        "reading_on": w.reading_on,
        "escalated_to": w.escalated_to_id,
        "resolution": w.resolution,
        "snoozed_until": w.snoozed_until,
    }


def _step(
    warning: RiskWarning,
    *,
    actor: Any,
    code: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> WarningStep:
    return WarningStep.objects.create(
        warning=warning,
        code=code,
        from_state=from_state,
        to_state=to_state,
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor_ref(actor).label,
        note=note,
        data=data or {},
    )


def warning_audience(warning: RiskWarning) -> list[User]:
    """Who is told: the regulators whose remit covers the stratum, and the center admins."""
    kinds = [k for k, dims in REMIT.items() if warning.dimension in dims]
    return list(
        User.objects.filter(is_active=True)
        .filter(role=Role.REGULATOR, organisation__kind__in=kinds)
        .union(User.objects.filter(is_active=True, role=Role.CENTER_ADMIN))
    )


def _notify(warning: RiskWarning) -> None:
    """Notify once per severity reached: a worse reading notifies again, the same one never."""
    if warning.severity <= warning.notified_severity:
        return
    audience = warning_audience(warning)
    WarningNotice.objects.create(warning=warning, severity=warning.severity, recipients=len(audience))
    RiskWarning.objects.filter(pk=warning.pk).update(notified_severity=warning.severity)
    warning.notified_severity = warning.severity
    subject = _("Risk warning: %(stratum)s (%(severity)s)") % {
        "stratum": warning.get_dimension_display(),
        "severity": warning.get_severity_display(),
    }
    link = public_url(reverse("risk-warning", kwargs={"pk": warning.pk}))
    text = _("A group-risk warning needs your attention. Open it in Xietong: %(link)s") % {"link": link}
    for user in audience:
        if user.email:
            email_send(to=user.email, subject=subject, text=text)


# Workflow -------------------------------------------------------------------------------------

STEPS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({WarningState.NEW, WarningState.SNOOZED}), WarningState.ACKNOWLEDGED),
    "verify": (frozenset({WarningState.NEW, WarningState.ACKNOWLEDGED}), WarningState.VERIFYING),
    "escalate": (
        frozenset({WarningState.ACKNOWLEDGED, WarningState.VERIFYING}),
        WarningState.ESCALATED,
    ),
    "snooze": (
        frozenset({WarningState.NEW, WarningState.ACKNOWLEDGED, WarningState.VERIFYING, WarningState.ESCALATED}),
        WarningState.SNOOZED,
    ),
    "resolve": (frozenset(OPEN_STATES), WarningState.RESOLVED),
}


def _locked_for(actor: Any, warning_id: Any) -> RiskWarning:
    from .selectors import warnings_visible

    try:
        pk = int(warning_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such warning.")) from None
    if not warnings_visible(actor).filter(pk=pk).exists():
        raise NotFound(_("No such warning."))
    return RiskWarning.objects.select_for_update().get(pk=pk)


@transaction.atomic
def warning_step(
    *,
    actor: Any,
    warning: RiskWarning | int | str,
    step: str,
    note: str = "",
    agency: Organisation | None = None,
    resolution: str = "",
    until: dt.date | None = None,
) -> RiskWarning:
    """Take one step of a warning's workflow (see STEPS), by a regulator in its remit or the center."""
    if step not in STEPS:
        raise DomainError(_("Unknown step."), code="step")
    locked = _locked_for(actor, warning.pk if isinstance(warning, RiskWarning) else warning)
    if not may(actor, "risk.act"):
        if step == "escalate":
            raise NotAllowed(_("Only a regulator or the center escalates a warning."), code="role")
        raise NotAllowed(_("Only a regulator or the center acts on warnings."), code="role")
    if not may(actor, "risk.act", locked):
        raise NotAllowed(_("This warning is outside your organisation's remit."), code="remit")
    allowed_from, to_state = STEPS[step]
    if locked.state not in allowed_from:
        raise DomainError(
            _("A warning that is %(state)s cannot be %(step)s.")
            % {"state": locked.get_state_display(), "step": STEP_LABELS[step]},
            code="illegal_step",
        )
    note = (note or "").strip()
    before = _audit_view(locked)
    data: dict[str, Any] = {}
    if step == "escalate":
        if agency is None or agency.kind not in REGULATOR_KINDS or not agency.is_active:
            raise DomainError(_("Choose the agency the warning is escalated to."), code="agency")
        if not note:
            raise DomainError(_("Say in a note why and what the agency should look at."), code="note_required")
        locked.escalated_to, locked.escalation_note = agency, note
        data = {"agency_id": agency.pk, "agency": agency.name}
    elif step == "snooze":
        if until is None:
            raise DomainError(_("A snooze needs the date it ends."), code="until_required")
        if until <= timezone.localdate():
            raise DomainError(_("A snooze must end after today."), code="until_past")
        if until > timezone.localdate() + dt.timedelta(days=180):
            raise DomainError(_("A snooze lasts at most 180 days."), code="until_far")
        if not note:
            raise DomainError(_("A snooze needs a reason."), code="reason_required")
        locked.snoozed_until, locked.snooze_reason = until, note
        data = {"until": until.isoformat()}
    elif step == "resolve":
        if resolution not in Resolution.values:
            raise DomainError(_("Choose how the warning was resolved."), code="resolution")
        locked.resolution, locked.resolution_note = resolution, note
        data = {"resolution": resolution}
    from_state = locked.state
    locked.state = to_state
    locked.full_clean()
    locked.save()
    _step(locked, actor=actor, code=step, from_state=from_state, to_state=to_state, note=note, data=data)
    audit_record(
        actor=actor,
        action=AuditAction.RISK_STEP,
        obj=locked,
        before=before,
        after={**_audit_view(locked), "step": step, "note": note},
    )
    return locked

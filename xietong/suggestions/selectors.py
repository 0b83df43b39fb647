"""Reads for judicial suggestions: the defect register per institution and month (aggregates only: no
person, no case number), each defect with its own denominator."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import Organisation
from xietong.batches.models import BatchRow
from xietong.cases.choices import Door
from xietong.cases.models import CaseParty
from xietong.cases.permissions import actor_role
from xietong.intake.models import ServiceAddressConfirmation
from xietong.service.choices import ADDRESS_DEFECTS, AttemptMethod, Outcome
from xietong.service.models import ServiceAttempt

from .choices import DENOMINATORS, Defect

# Court staff and the center see every institution; an operator (or API client) its own; regulators
# see the same aggregates as the court (the register never names a person).
REGISTER_ROLES = frozenset({Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.REGULATOR, Role.INSTITUTION_OPERATOR})

# One row of the register: (institution id, "YYYY-MM", defect code, detail) → [count, denominator].
Cell = tuple[int, str, str, str]
Source = Callable[[int | None, dt.datetime | None], Iterable[tuple[Cell, int, int]]]

# Hook for defects counted by apps not on this branch yet: the repayment app registers its
# "plans defaulted" source here (`defect_source_register(Defect.PLAN_DEFAULTED, fn)`). Until then the
# register shows that defect as "not measured", never as zero.
_EXTRA_SOURCES: dict[str, Source] = {}


def defect_source_register(code: str, fn: Source) -> None:
    """Let another app count a defect: fn(institution_id | None, since | None) yields (cell, count, denominator)."""
    _EXTRA_SOURCES[code] = fn


def defect_sources_measured() -> set[str]:
    return {d for d in Defect.values if d != Defect.PLAN_DEFAULTED} | set(_EXTRA_SOURCES)


def register_scope(actor: Any) -> tuple[bool, Organisation | None]:
    """(may see, institution it is limited to)."""
    role = actor_role(actor)
    if role not in REGISTER_ROLES:
        return False, None
    if role == Role.INSTITUTION_OPERATOR:
        return True, actor.organisation
    return True, None


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=timezone.get_current_timezone())


def _key(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m") if value else ""


def _service_address(inst: int | None, since: dt.datetime | None) -> Iterable[tuple[Cell, int, int]]:
    known = [o for o in Outcome.values if o not in (Outcome.SENT, Outcome.OPENED)]
    qs = ServiceAttempt.objects.filter(
        record__document__case__institution__isnull=False,
        method__in=[AttemptMethod.POSTAL, AttemptMethod.IN_PERSON],
        outcome__in=known,
    )
    if inst is not None:
        qs = qs.filter(record__document__case__institution_id=inst)
    if since is not None:
        qs = qs.filter(at__gte=since)
    rows = (
        qs.annotate(m=_month("at"))
        .values("record__document__case__institution_id", "m")
        .annotate(n=Count("pk"), bad=Count("pk", filter=Q(outcome__in=ADDRESS_DEFECTS)))
        .order_by()
    )
    for r in rows:
        yield (r["record__document__case__institution_id"], _key(r["m"]), Defect.SERVICE_ADDRESS, ""), r["bad"], r["n"]


def _parties(inst: int | None, since: dt.datetime | None) -> QuerySet[CaseParty]:
    qs = CaseParty.objects.filter(person__isnull=False, case__institution__isnull=False)
    if inst is not None:
        qs = qs.filter(case__institution_id=inst)
    if since is not None:
        qs = qs.filter(case__submitted_at__gte=since)
    return qs


def _confirmations(inst: int | None, since: dt.datetime | None) -> Iterable[tuple[Cell, int, int]]:
    sac = ServiceAddressConfirmation.objects.filter(case_id=OuterRef("case_id"), person_id=OuterRef("person_id"))
    rows = (
        _parties(inst, since)
        .annotate(
            m=_month("case__submitted_at"),
            has=Exists(sac),
            batch=ExpressionWrapper(Q(case__door=Door.BATCH), output_field=BooleanField()),
        )
        .values("case__institution_id", "m", "batch")
        .annotate(n=Count("pk"), missing=Count("pk", filter=Q(has=False)))
        .order_by()
    )
    for r in rows:
        code = Defect.SAC_MISSING_BATCH if r["batch"] else Defect.SAC_MISSING_INTAKE
        yield (r["case__institution_id"], _key(r["m"]), code, ""), r["missing"], r["n"]
    qs = ServiceAddressConfirmation.objects.filter(case__institution__isnull=False)
    if inst is not None:
        qs = qs.filter(case__institution_id=inst)
    if since is not None:
        qs = qs.filter(case__submitted_at__gte=since)
    sac_rows = (
        qs.annotate(m=_month("case__submitted_at"))
        .values("case__institution_id", "m")
        .annotate(
            n=Count("pk"),
            incomplete=Count("pk", filter=Q(address="") | Q(phone="")),
            unsigned=Count("pk", filter=Q(confirmed_by__isnull=True)),
        )
        .order_by()
    )
    for r in sac_rows:
        cell = (r["case__institution_id"], _key(r["m"]))
        yield (*cell, Defect.SAC_INCOMPLETE, ""), r["incomplete"], r["n"]
        yield (*cell, Defect.SAC_UNSIGNED, ""), r["unsigned"], r["n"]


def _batch_rows(inst: int | None, since: dt.datetime | None) -> Iterable[tuple[Cell, int, int]]:
    qs = BatchRow.objects.all()
    if inst is not None:
        qs = qs.filter(batch__institution_id=inst)
    if since is not None:
        qs = qs.filter(batch__created_at__gte=since)
    qs = qs.annotate(m=_month("batch__created_at"))
    totals = {
        (r["batch__institution_id"], _key(r["m"])): r["n"]
        for r in qs.values("batch__institution_id", "m").annotate(n=Count("pk")).order_by()
    }
    refused: Counter[tuple[int, str]] = Counter()
    by_reason: Counter[tuple[int, str, str]] = Counter()
    for inst_id, m, errors in qs.filter(is_valid=False, is_duplicate=False).values_list(
        "batch__institution_id", "m", "errors"
    ):
        refused[(inst_id, _key(m))] += 1
        for code in sorted({str(e.get("code", "")) for e in errors or []}):
            by_reason[(inst_id, _key(m), code)] += 1
    for (inst_id, m), n in totals.items():
        yield (inst_id, m, Defect.BATCH_REFUSED, ""), refused[(inst_id, m)], n
    for (inst_id, m, code), n in by_reason.items():
        yield (inst_id, m, Defect.BATCH_REFUSED, code), n, totals[(inst_id, m)]


ORDER = {code: i for i, code in enumerate(Defect.values)}
SOURCES: tuple[Source, ...] = (_service_address, _confirmations, _batch_rows)


def defect_register(
    *, institution: Organisation | int | None = None, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Every defect per institution and month with its count, its denominator and the rate (0–1).

    A batch row refused for several reasons counts once in the total (detail "") and once per reason.
    """
    inst = institution.pk if isinstance(institution, Organisation) else institution
    cells: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])
    for source in (*SOURCES, *_EXTRA_SOURCES.values()):
        for cell, count, denominator in source(inst, since):
            cells[cell][0] += count
            cells[cell][1] += denominator
    names = {
        o.pk: o.display_name
        for o in Organisation.objects.filter(pk__in={c[0] for c in cells}).only("name", "short_name")
    }
    out = [
        {
            "institution_id": inst_id,
            "institution": names.get(inst_id, ""),
            "month": month,
            "defect": code,
            "defect_label": str(Defect(code).label),
            "detail": detail,
            "denominator_label": str(DENOMINATORS[Defect(code)]),
            "count": count,
            "denominator": denominator,
            "rate": count / denominator if denominator else 0.0,
        }
        for (inst_id, month, code, detail), (count, denominator) in cells.items()
    ]
    out.sort(key=lambda r: (r["institution"], r["month"], ORDER[str(r["defect"])], r["detail"]))
    return out


def suggestions_for(actor: Any) -> QuerySet[Any]:
    """The suggestions the actor may see: the court and the center all; an institution its own once signed;
    a regulator those copied to it once signed. A suggestion holds no personal data."""
    from .models import Suggestion, SuggestionState

    role = actor_role(actor)
    qs = Suggestion.objects.select_related("court", "institution")
    if role in (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE):
        return qs
    if role == Role.INSTITUTION_OPERATOR:
        return qs.filter(institution=actor.organisation, state=SuggestionState.SIGNED)
    if role == Role.REGULATOR:
        return qs.filter(copies_to=actor.organisation, state=SuggestionState.SIGNED)
    return qs.none()

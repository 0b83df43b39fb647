"""Reads for judicial suggestions: the defect register per institution and month (aggregates only: no
person, no case number), each defect with its own denominator."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.batches.models import BatchRow
from xietong.cases.choices import Door
from xietong.cases.models import Case, CaseParty
from xietong.intake.models import ServiceAddressConfirmation
from xietong.repayment.choices import PlanStatus
from xietong.repayment.models import RepaymentPlan
from xietong.service.choices import ADDRESS_DEFECTS, AddressSource, AttemptMethod, Outcome
from xietong.service.models import ServiceAttempt

from .choices import DENOMINATORS, Defect
from .permissions import restrict_suggestions

# One row of the register: (institution id, "YYYY-MM", defect code, detail) → [count, denominator].
Cell = tuple[int, str, str, str]
# A source counts over [since, until) (either may be None: unbounded), for one institution or all.
Source = Callable[[int | None, dt.datetime | None, dt.datetime | None], Iterable[tuple[Cell, int, int]]]

# Hook for a defect counted by an app above this one: `defect_source_register(code, fn)`. A defect with
# no source is shown as "not measured", never as zero.
_EXTRA_SOURCES: dict[str, Source] = {}


def defect_source_register(code: str, fn: Source) -> None:
    """Let another app count a defect: fn(institution_id | None, since, until) yields (cell, count, denominator)."""
    _EXTRA_SOURCES[code] = fn


def defect_sources_measured() -> set[str]:
    return set(BUILT_IN) | set(_EXTRA_SOURCES)


def register_scope(actor: Any) -> tuple[bool, Organisation | None]:
    """(may see, institution it is limited to)."""
    if not may(actor, "suggestions.view"):
        return False, None
    if may(actor, "suggestions.every_institution"):
        return True, None
    return True, actor.organisation


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=timezone.get_current_timezone())


def _key(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m") if value else ""


def _window(qs: QuerySet[Any], field: str, since: dt.datetime | None, until: dt.datetime | None) -> QuerySet[Any]:
    if since is not None:
        qs = qs.filter(**{f"{field}__gte": since})
    if until is not None:
        qs = qs.filter(**{f"{field}__lt": until})
    return qs


def _attempts(inst: int | None, since: dt.datetime | None, until: dt.datetime | None) -> QuerySet[ServiceAttempt]:
    known = [o for o in Outcome.values if o not in (Outcome.SENT, Outcome.OPENED)]
    qs = ServiceAttempt.objects.filter(
        record__document__case__institution__isnull=False,
        method__in=[AttemptMethod.POSTAL, AttemptMethod.IN_PERSON],
        outcome__in=known,
    )
    if inst is not None:
        qs = qs.filter(record__document__case__institution_id=inst)
    return _window(qs, "at", since, until)


def _service_address(
    inst: int | None, since: dt.datetime | None, until: dt.datetime | None
) -> Iterable[tuple[Cell, int, int]]:
    """Letters and visits failed for an address reason; the details say where the address came from (the
    institution's confirmation form, or the address on file)."""
    rows = (
        _attempts(inst, since, until)
        .annotate(m=_month("at"))
        .values("record__document__case__institution_id", "m", "record__address_source")
        .annotate(n=Count("pk"), bad=Count("pk", filter=Q(outcome__in=ADDRESS_DEFECTS)))
        .order_by()
    )
    totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        key = (r["record__document__case__institution_id"], _key(r["m"]))
        totals[key][0] += r["bad"]
        totals[key][1] += r["n"]
        yield (*key, Defect.SERVICE_ADDRESS, str(r["record__address_source"])), r["bad"], r["n"]
    for (inst_id, m), (bad, n) in totals.items():
        yield (inst_id, m, Defect.SERVICE_ADDRESS, ""), bad, n


def _parties(inst: int | None, since: dt.datetime | None, until: dt.datetime | None) -> QuerySet[CaseParty]:
    qs = CaseParty.objects.filter(person__isnull=False, case__institution__isnull=False)
    if inst is not None:
        qs = qs.filter(case__institution_id=inst)
    return _window(qs, "case__submitted_at", since, until)


def _sacs(
    inst: int | None, since: dt.datetime | None, until: dt.datetime | None
) -> QuerySet[ServiceAddressConfirmation]:
    qs = ServiceAddressConfirmation.objects.filter(case__institution__isnull=False)
    if inst is not None:
        qs = qs.filter(case__institution_id=inst)
    return _window(qs, "case__submitted_at", since, until)


# A house, building, flat or group number: 12号, 3幢, 502室, 7组, 十二号...
HOUSE_NUMBER = re.compile(r"[0-9０-９一二三四五六七八九十百]+\s*(号|栋|幢|座|室|组|弄|单元|楼)")
MIN_ADDRESS_CHARS = 8


def address_is_unclear(address: str, name: str = "") -> bool:
    """An address a letter cannot find: no house number (only a district, a street, a village), too short to
    be one, or the party's name written into it (name and address mixed up on the form)."""
    text = re.sub(r"\s+", "", address or "")
    if len(text) < MIN_ADDRESS_CHARS or not HOUSE_NUMBER.search(text):
        return True
    return bool(name) and len(name) >= 2 and name in text


def _unclear(inst: int | None, since: dt.datetime | None, until: dt.datetime | None) -> Iterable[tuple[Any, ...]]:
    """(case id, institution id, month, unclear?) of each confirmation: read in Python (the rule is text)."""
    rows = (
        _sacs(inst, since, until)
        .annotate(m=_month("case__submitted_at"))
        .values_list("case_id", "case__institution_id", "m", "address", "person__name")
        .order_by()
    )
    for case_id, inst_id, m, address, name in rows.iterator(chunk_size=2000):
        yield case_id, inst_id, _key(m), address_is_unclear(address, name)


def _confirmations(
    inst: int | None, since: dt.datetime | None, until: dt.datetime | None
) -> Iterable[tuple[Cell, int, int]]:
    sac = ServiceAddressConfirmation.objects.filter(case_id=OuterRef("case_id"), person_id=OuterRef("person_id"))
    rows = (
        _parties(inst, since, until)
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
    sac_rows = (
        _sacs(inst, since, until)
        .annotate(m=_month("case__submitted_at"))
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
    unclear: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for _case_id, inst_id, m, bad in _unclear(inst, since, until):
        unclear[(inst_id, m)][0] += bad
        unclear[(inst_id, m)][1] += 1
    for (inst_id, m), (bad, n) in unclear.items():
        yield (inst_id, m, Defect.SAC_UNCLEAR, ""), bad, n


def _batch_rows(
    inst: int | None, since: dt.datetime | None, until: dt.datetime | None
) -> Iterable[tuple[Cell, int, int]]:
    qs = BatchRow.objects.all()
    if inst is not None:
        qs = qs.filter(batch__institution_id=inst)
    qs = _window(qs, "batch__created_at", since, until)
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


def _plans(inst: int | None, since: dt.datetime | None, until: dt.datetime | None) -> QuerySet[RepaymentPlan]:
    # Every plan except the versions replaced by a newer one: a rescheduled plan counts once, as its
    # current version.
    qs = RepaymentPlan.objects.filter(case__institution__isnull=False).exclude(status=PlanStatus.SUPERSEDED)
    if inst is not None:
        qs = qs.filter(case__institution_id=inst)
    return _window(qs, "created_at", since, until)


def _plans_defaulted(
    inst: int | None, since: dt.datetime | None, until: dt.datetime | None
) -> Iterable[tuple[Cell, int, int]]:
    """Repayment plans that defaulted (at any time since), against the plans made, by the month the plan was
    made (xietong/repayment)."""
    rows = (
        _plans(inst, since, until)
        .annotate(m=_month("created_at"))
        .values("case__institution_id", "m")
        .annotate(n=Count("pk"), bad=Count("pk", filter=Q(defaulted_at__isnull=False)))
        .order_by()
    )
    for r in rows:
        yield (r["case__institution_id"], _key(r["m"]), Defect.PLAN_DEFAULTED, ""), r["bad"], r["n"]


ORDER = {code: i for i, code in enumerate(Defect.values)}
SOURCES: tuple[Source, ...] = (_service_address, _confirmations, _batch_rows, _plans_defaulted)
BUILT_IN = frozenset(Defect.values)


def defect_register(
    *,
    institution: Organisation | int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Every defect per institution and month with its count, its denominator and the rate (0–1), over
    [since, until).

    A batch row refused for several reasons counts once in the total (detail "") and once per reason;
    a failed letter once in the total and once under where its address came from.
    """
    inst = institution.pk if isinstance(institution, Organisation) else institution
    cells: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])
    for source in (*SOURCES, *_EXTRA_SOURCES.values()):
        for cell, count, denominator in source(inst, since, until):
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
            "detail_label": detail_label(code, detail),
            "denominator_label": str(DENOMINATORS[Defect(code)]),
            "count": count,
            "denominator": denominator,
            "rate": count / denominator if denominator else 0.0,
        }
        for (inst_id, month, code, detail), (count, denominator) in cells.items()
    ]
    out.sort(key=lambda r: (r["institution"], r["month"], ORDER[str(r["defect"])], r["detail"]))
    return out


def detail_label(code: str, detail: str) -> str:
    if code == Defect.SERVICE_ADDRESS and detail in AddressSource.values:
        return str(AddressSource(detail).label)
    return detail


def defect_cases(
    *,
    defect: str,
    institution: Organisation | int,
    since: dt.datetime | None,
    until: dt.datetime | None,
    detail: str = "",
) -> QuerySet[Case]:
    """The cases behind a defect's count (its numerator) for one institution over [since, until): for the
    court's eyes only (a suggestion lists them to court staff, never to the institution or regulators)."""
    inst = institution.pk if isinstance(institution, Organisation) else institution
    ids: QuerySet[Any]
    if defect == Defect.SERVICE_ADDRESS:
        qs = _attempts(inst, since, until).filter(outcome__in=ADDRESS_DEFECTS)
        if detail:
            qs = qs.filter(record__address_source=detail)
        ids = qs.values("record__document__case_id")
    elif defect in (Defect.SAC_MISSING_INTAKE, Defect.SAC_MISSING_BATCH):
        sac = ServiceAddressConfirmation.objects.filter(case_id=OuterRef("case_id"), person_id=OuterRef("person_id"))
        parties = _parties(inst, since, until).annotate(has=Exists(sac)).filter(has=False)
        parties = (
            parties.filter(case__door=Door.BATCH)
            if defect == Defect.SAC_MISSING_BATCH
            else parties.exclude(case__door=Door.BATCH)
        )
        ids = parties.values("case_id")
    elif defect == Defect.SAC_INCOMPLETE:
        ids = _sacs(inst, since, until).filter(Q(address="") | Q(phone="")).values("case_id")
    elif defect == Defect.SAC_UNSIGNED:
        ids = _sacs(inst, since, until).filter(confirmed_by__isnull=True).values("case_id")
    elif defect == Defect.SAC_UNCLEAR:
        found = sorted({case_id for case_id, _i, _m, bad in _unclear(inst, since, until) if bad})
        return Case.objects.filter(pk__in=found).order_by("submitted_at", "pk")
    elif defect == Defect.PLAN_DEFAULTED:
        ids = _plans(inst, since, until).filter(defaulted_at__isnull=False).values("case_id")
    else:  # refused batch rows never became cases
        return Case.objects.none()
    return Case.objects.filter(pk__in=ids).order_by("submitted_at", "pk")


def suggestions_for(actor: Any) -> QuerySet[Any]:
    """The suggestions the actor may see: the center all; a court's staff their court's; an institution (its
    operators and API clients) its own once sent; a regulator those copied to it once sent. A suggestion
    names no person; the cases behind it are shown to the court's staff only (`may_see_sources`)."""
    from .models import Suggestion

    return restrict_suggestions(Suggestion.objects.select_related("court", "institution"), actor)


def may_see_sources(actor: Any, suggestion: Any) -> bool:
    """The cases behind a suggestion: the court's staff and the center, never the institution or regulators."""
    return may(actor, "suggestions.see_sources", suggestion)


def register_of(actor: Any, *, today: dt.date | None = None) -> list[Any]:
    """The register (台账): overdue first (the oldest deadline first), then those awaiting an answer by
    deadline, then drafts and signed ones, then the answered and reviewed, newest first."""
    from .models import AWAITING_STATES, SuggestionState

    today = today or timezone.localdate()
    rows = list(suggestions_for(actor).prefetch_related("answer"))

    def key(s: Any) -> tuple[int, float]:
        if s.state in AWAITING_STATES and (s.state == SuggestionState.OVERDUE or s.reply_deadline < today):
            return (0, s.reply_deadline.toordinal())
        if s.state in AWAITING_STATES:
            return (1, s.reply_deadline.toordinal())
        if s.state in (SuggestionState.DRAFT, SuggestionState.SIGNED):
            return (2, -s.created_at.timestamp())
        return (3, -(s.answered_at or s.created_at).timestamp())

    rows.sort(key=key)
    for s in rows:
        s.overdue = s.is_overdue_on(today)
    return rows


def reply_stats(rows: list[Any], *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per year sent and institution: sent, due (answered, or past the deadline), answered (on time),
    reply rate (answered ÷ due) and adoption (recommendations adopted or partly adopted ÷ answered)."""
    from .models import OUT_STATES, Verdict

    today = today or timezone.localdate()
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    for s in rows:
        if s.state not in OUT_STATES or s.sent_at is None:
            continue
        year = timezone.localtime(s.sent_at).year
        g = groups.setdefault(
            (year, s.institution.display_name),
            {"year": year, "institution": s.institution.display_name, "sent": 0, "due": 0, "answered": 0,
             "on_time": 0, "recommendations": 0, "adopted": 0, "partly": 0, "not_adopted": 0},
        )  # fmt: skip
        g["sent"] += 1
        answered = s.answered_at is not None
        if answered or s.reply_deadline < today:
            g["due"] += 1
        if answered:
            g["answered"] += 1
            g["on_time"] += timezone.localtime(s.answered_at).date() <= s.reply_deadline
            answer = getattr(s, "answer", None)
            for item in answer.items if answer else []:
                g["recommendations"] += 1
                verdict = item.get("verdict")
                if verdict == Verdict.ADOPTED:
                    g["adopted"] += 1
                elif verdict == Verdict.PARTLY:
                    g["partly"] += 1
                else:
                    g["not_adopted"] += 1
    out = []
    for g in groups.values():
        g["reply_rate"] = g["answered"] / g["due"] if g["due"] else None
        g["adoption_rate"] = (g["adopted"] + g["partly"]) / g["recommendations"] if g["recommendations"] else None
        g["reply_pct"] = None if g["reply_rate"] is None else round(100 * g["reply_rate"])
        g["adoption_pct"] = None if g["adoption_rate"] is None else round(100 * g["adoption_rate"])
        out.append(g)
    out.sort(key=lambda g: (-g["year"], g["institution"]))
    return out

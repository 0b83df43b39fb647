"""Reads for repayment: the case's current plan, its payments (only the creditor's own), the worklist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.models import Case

from .choices import BasisKind, DeclarationStatus, PlanStatus, RevisionStatus, TimeRequestStatus
from .models import (
    Acknowledgement,
    EnforcementApplication,
    Payment,
    PaymentDeclaration,
    PaymentFile,
    PlanRevision,
    RepaymentPlan,
    TimeRequest,
    Waiver,
)
from .permissions import restrict_payments


def plan_current(case: Case | int) -> RepaymentPlan | None:
    """The case's plan in force (the latest version not superseded), with its instalments."""
    case_id = case.pk if isinstance(case, Case) else case
    return (
        RepaymentPlan.objects.filter(case_id=case_id)
        .exclude(status=PlanStatus.SUPERSEDED)
        .prefetch_related("instalments")
        .order_by("-version")
        .first()
    )


def payments_visible(*, actor: Any, plan: RepaymentPlan) -> QuerySet[Payment]:
    """The plan's payments this actor may see: an institution sees only the payments it reported.

    (The case itself is visible to the caller already: every view checks Case.objects.restrict.)"""
    return restrict_payments(Payment.objects.filter(plan=plan).order_by("paid_on", "pk"), actor)


def may_report_payments(actor: Any, case: Case) -> bool:
    """The creditor: an operator (or API client) of the case's own institution."""
    return may(actor, "repayment.report_payments", case)


def plan_history(case: Case | int) -> list[RepaymentPlan]:
    """Every version of the case's plan, newest first: the one in force and those it superseded."""
    case_id = case.pk if isinstance(case, Case) else case
    return list(RepaymentPlan.objects.filter(case_id=case_id).prefetch_related("instalments").order_by("-version"))


def revision_open(case: Case | int) -> PlanRevision | None:
    """The new plan proposed and not yet agreed by both, if any."""
    case_id = case.pk if isinstance(case, Case) else case
    return PlanRevision.objects.filter(case_id=case_id, status=RevisionStatus.SIGNING).first()


def revisions_of(case: Case | int) -> QuerySet[PlanRevision]:
    case_id = case.pk if isinstance(case, Case) else case
    return PlanRevision.objects.filter(case_id=case_id).order_by("-created_at", "-pk")


def time_requests_of(case: Case | int) -> QuerySet[TimeRequest]:
    case_id = case.pk if isinstance(case, Case) else case
    return TimeRequest.objects.filter(case_id=case_id).order_by("-created_at", "-pk")


def time_requests_waiting(*, actor: Any) -> QuerySet[TimeRequest]:
    """The open requests for more time on the mediator's own cases (none for anyone else)."""
    if not may(actor, "repayment.revise"):
        return TimeRequest.objects.none()
    return (
        TimeRequest.objects.filter(status=TimeRequestStatus.OPEN, case__mediator_id=actor.pk)
        .select_related("case")
        .order_by("created_at", "pk")
    )


def revisions_waiting(*, actor: Any) -> QuerySet[PlanRevision]:
    """New plans proposed on the creditor's cases that its institution has not agreed yet."""
    if not may(actor, "repayment.sign_as_creditor"):
        return PlanRevision.objects.none()
    return (
        PlanRevision.objects.filter(
            status=RevisionStatus.SIGNING,
            creditor_signed_at__isnull=True,
            case__institution_id=actor.organisation_id,
        )
        .select_related("case")
        .order_by("created_at", "pk")
    )


def applications_waiting(*, actor: Any) -> QuerySet[EnforcementApplication]:
    """Applications for enforcement awaiting the court's acceptance, for its staff (nobody else)."""
    if not may(actor, "repayment.enforce"):
        return EnforcementApplication.objects.none()
    return (
        EnforcementApplication.objects.filter(status="applied", case__in=Case.objects.restrict(actor))
        .select_related("case")
        .order_by("applied_at", "pk")
    )


def declarations_of(case: Case | int) -> QuerySet[PaymentDeclaration]:
    """The payments declared in a case, newest first (everyone who may see the case sees them)."""
    case_id = case.pk if isinstance(case, Case) else case
    return PaymentDeclaration.objects.filter(case_id=case_id).order_by("-created_at", "-pk")


def declarations_waiting(*, actor: Any) -> QuerySet[PaymentDeclaration]:
    """What waits for this actor: declared payments to answer (the creditor's operators), disputed ones
    to settle (the case's mediator, the court's staff); nothing for anyone else."""
    cases = Case.objects.restrict(actor)
    qs = PaymentDeclaration.objects.filter(case__in=cases).select_related("case").order_by("created_at", "pk")
    if may(actor, "repayment.answer_declarations"):
        return qs.filter(status=DeclarationStatus.DECLARED, case__institution_id=actor.organisation_id)
    if may(actor, "repayment.settle_declarations"):
        # A mediator's: of the cases assigned to them (the only cases they see).
        return qs.filter(status=DeclarationStatus.DISPUTED)
    return qs.none()


def may_use_payment_files(actor: Any) -> bool:
    """An institution's operator or API client: it reports the payments of its own cases in bulk."""
    return may(actor, "repayment.payment_files")


def payment_files_of(*, actor: Any) -> QuerySet[PaymentFile]:
    """The payments files of the actor's institution, newest first (none for anyone else)."""
    if not may_use_payment_files(actor):
        return PaymentFile.objects.none()
    return PaymentFile.objects.filter(institution_id=actor.organisation_id).order_by("-created_at", "-pk")


def payment_file_get(*, actor: Any, pk: int) -> PaymentFile | None:
    """One payments file of the actor's institution; another institution's reads as no file at all."""
    return payment_files_of(actor=actor).filter(pk=pk).first()


def enforceable_basis(case: Case) -> tuple[str, str] | None:
    """(kind, number) of the case's enforceable basis: the 民特 ruling of confirmation, the 民初 judgment or
    the mediation statement of a settlement in court."""
    from xietong.judiciary.choices import RulingKind
    from xietong.judiciary.models import Ruling

    kinds = {
        RulingKind.CONFIRMATION: BasisKind.CONFIRMATION,
        RulingKind.JUDGMENT: BasisKind.JUDGMENT,
        RulingKind.SETTLEMENT: BasisKind.SETTLEMENT,
    }
    ruling = Ruling.objects.filter(case_id=case.pk, kind__in=list(kinds)).order_by("-issued_at", "-pk").first()
    if ruling is None or not ruling.number:
        return None
    return str(kinds[RulingKind(ruling.kind)]), ruling.number


def basis_amount(case: Case, kind: str) -> Decimal:
    """What the enforceable basis orders paid: the amount a judgment or settlement awarded, or the total
    the confirmed agreement set (the first version of the plan); the case's total failing either."""
    from xietong.judiciary.models import TrialOutcome

    if kind in (BasisKind.JUDGMENT, BasisKind.SETTLEMENT):
        awarded = TrialOutcome.objects.filter(case_id=case.pk).values_list("amount_awarded", flat=True).first()
        return awarded if awarded is not None else case.total
    first = RepaymentPlan.objects.filter(case_id=case.pk).order_by("version").values_list("total", flat=True).first()
    return first if first is not None else case.total


def case_paid(case: Case | int) -> Decimal:
    """Every payment recorded on the case, whichever version of the plan it settled."""
    case_id = case.pk if isinstance(case, Case) else case
    total = Payment.objects.filter(case_id=case_id).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return Decimal(total).quantize(Decimal("0.01"))


def case_waived(case: Case | int) -> Decimal:
    """Everything the creditor waived on instalments of the case (not the agreement's own waiver)."""
    case_id = case.pk if isinstance(case, Case) else case
    total = Waiver.objects.filter(case_id=case_id).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return Decimal(total).quantize(Decimal("0.01"))


def application_open(case: Case | int) -> EnforcementApplication | None:
    case_id = case.pk if isinstance(case, Case) else case
    return (
        EnforcementApplication.objects.filter(case_id=case_id)
        .exclude(status="closed")
        .order_by("-applied_at", "-pk")
        .first()
    )


def applications_of(case: Case) -> QuerySet[EnforcementApplication]:
    return EnforcementApplication.objects.filter(case_id=case.pk).order_by("-applied_at", "-pk")


# The worklist's order: what needs the creditor first (a defaulted plan: apply for enforcement), then
# what is in the court's hands, then the plans being repaid.
WORKLIST_ORDER = (
    PlanStatus.DEFAULTED,
    PlanStatus.ENFORCEMENT,
    PlanStatus.SUSPENDED,
    PlanStatus.ACTIVE,
    PlanStatus.COMPLETED,
)


JUDGMENT = "judgment"  # the worklist's name for a judgment without a plan, awaiting the creditor's application
WORKLIST_STATES = (CaseState.PERFORMING, CaseState.ENFORCING, CaseState.TRIED)


def creditor_worklist(*, actor: Any) -> QuerySet[Case]:
    """The cases this actor may see that are being repaid or enforced: each with its current plan
    (`plan_id`, `plan_status`, `defaulted_at`); a judgment without a plan and without an application
    for enforcement is there too (`plan_status` "judgment"). Defaulted first (the longest defaulted
    first), then judgments awaiting enforcement, in enforcement, suspended, being repaid."""
    current = RepaymentPlan.objects.filter(case_id=OuterRef("pk")).exclude(status=PlanStatus.SUPERSEDED)
    current = current.order_by("-version")
    applied = EnforcementApplication.objects.filter(case_id=OuterRef("pk"))
    order = [PlanStatus.DEFAULTED, JUDGMENT, *WORKLIST_ORDER[1:]]
    cases = (
        Case.objects.restrict(actor)
        .filter(state__in=WORKLIST_STATES)
        .annotate(
            plan_id=Subquery(current.values("pk")[:1]),
            plan_defaulted_at=Subquery(current.values("defaulted_at")[:1]),
        )
        .annotate(
            plan_status=Coalesce(
                Subquery(current.values("status")[:1]),
                DbCase(
                    When(Q(state=CaseState.TRIED) & ~Exists(applied), then=Value(JUDGMENT)),
                    default=Value(""),
                ),
            )
        )
        .exclude(plan_status="")
    )
    priority = DbCase(
        *[When(plan_status=s, then=Value(n)) for n, s in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )
    return cases.annotate(priority=priority).order_by("priority", F("plan_defaulted_at").asc(nulls_last=True), "pk")


def worklist_counts(cases: QuerySet[Case]) -> dict[str, int]:
    """How many cases of the worklist are in each plan status ("judgment": awaiting an application)."""
    rows = cases.order_by().values("plan_status").annotate(n=Count("pk")).values_list("plan_status", "n")  # type: ignore[misc]
    return {str(status): int(n) for status, n in rows}


@dataclass(frozen=True)
class Interruption:
    on: dt.date
    kind: str  # "payment" or "acknowledgement"
    note: str = ""


@dataclass(frozen=True)
class LimitationClock:
    """The two years to apply for enforcement (Civil Procedure Law, art. 250): from the day performance
    was due (for instalments, the last instalment's due date), run again from the last interruption."""

    starts: dt.date  # the due date it runs from
    ends: dt.date
    days_left: int
    warning: int | None  # 90, 30, 7; 0 once run out; None while far
    restarted_on: dt.date | None = None  # the interruption it runs again from, if any

    @property
    def tone(self) -> str:
        return {None: "info", 90: "warn", 30: "bad", 7: "bad", 0: "bad"}[self.warning]


# A judgment without a schedule takes effect when the appeal period has passed (15 days) and orders payment
# within ten days of taking effect ("本判决生效之日起十日内"): the period runs from then.
JUDGMENT_DUE_AFTER_DAYS = 15 + 10


def limitation_clocks(case_ids: list[int], *, today: dt.date | None = None) -> dict[int, LimitationClock]:
    """The clock of each case that has one, in five queries: a case with a current plan (not completed),
    or a judgment or in-court settlement with an amount and no plan; none once enforcement is applied for."""
    from xietong.judiciary.choices import OutcomeKind
    from xietong.judiciary.models import TrialOutcome

    from .rules import limitation_ends, limitation_warning

    if not case_ids:
        return {}
    today = today or timezone.localdate()
    applied = set(EnforcementApplication.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True))
    starts: dict[int, dt.date] = {}
    with_plan: set[int] = set()
    for case_id, status, last_due in (
        RepaymentPlan.objects.filter(case_id__in=case_ids)
        .exclude(status=PlanStatus.SUPERSEDED)
        .annotate(last_due=Max("instalments__due_date"))
        .values_list("case_id", "status", "last_due")
    ):
        with_plan.add(case_id)
        if status != PlanStatus.COMPLETED and last_due is not None:
            starts[case_id] = last_due
    for case_id, decided in TrialOutcome.objects.filter(
        case_id__in=set(case_ids) - with_plan,
        kind__in=[OutcomeKind.JUDGMENT, OutcomeKind.SETTLEMENT],
        amount_awarded__gt=0,
    ).values_list("case_id", "decided_at"):
        starts[case_id] = timezone.localdate(decided) + dt.timedelta(days=JUDGMENT_DUE_AFTER_DAYS)
    ids = [c for c in starts if c not in applied]
    last: dict[int, dt.date] = {}
    for model, field in ((Payment, "paid_on"), (Acknowledgement, "acknowledged_on")):
        for case_id, day in (
            model.objects.filter(case_id__in=ids).values("case_id").annotate(d=Max(field)).values_list("case_id", "d")
        ):
            if day is not None and day > last.get(case_id, dt.date.min):
                last[case_id] = day
    clocks = {}
    for case_id in ids:
        start = starts[case_id]
        interrupted = last.get(case_id)
        ends = limitation_ends(last_due=start, interruptions=[interrupted] if interrupted else [])
        clocks[case_id] = LimitationClock(
            starts=start,
            ends=ends,
            days_left=(ends - today).days,
            warning=limitation_warning(ends=ends, today=today),
            restarted_on=interrupted if interrupted is not None and interrupted > start else None,
        )
    return clocks


def limitation_clock(case: Case | int, *, today: dt.date | None = None) -> LimitationClock | None:
    """The case's clock (see `limitation_clocks`), None when it has none."""
    case_id = case.pk if isinstance(case, Case) else case
    return limitation_clocks([case_id], today=today).get(case_id)


def limitation_interruptions(case: Case | int) -> list[Interruption]:
    """What interrupted the period, newest first: payments (of every version of the plan) and
    acknowledgements of the debt."""
    case_id = case.pk if isinstance(case, Case) else case
    found = [
        Interruption(on=p.paid_on, kind="payment", note=f"{p.amount}")
        for p in Payment.objects.filter(case_id=case_id).only("paid_on", "amount")
    ]
    found += [
        Interruption(on=a.acknowledged_on, kind="acknowledgement", note=a.note)
        for a in Acknowledgement.objects.filter(case_id=case_id)
    ]
    return sorted(found, key=lambda i: i.on, reverse=True)


@dataclass(frozen=True)
class MyPlan:
    plan: RepaymentPlan
    instalments: list[Any]
    next_due: Any
    late: list[Any]
    creditor: str
    declarations: list[PaymentDeclaration]
    paid_count: int
    revision: PlanRevision | None = None
    time_request: TimeRequest | None = None
    superseded: int = 0


def my_plans(*, actor: Any) -> list[MyPlan]:
    """The plans of the cases a party may see (their own, or those they act in), for their phone page."""
    from .choices import InstalmentState

    cases = Case.objects.restrict(actor)
    plans = (
        RepaymentPlan.objects.filter(case__in=cases)
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("case", "case__institution")
        .prefetch_related("instalments")
        .order_by("case_id")
    )
    declared: dict[int, list[PaymentDeclaration]] = {}
    for d in PaymentDeclaration.objects.filter(case__in=cases).order_by("-created_at", "-pk"):
        declared.setdefault(d.case_id, []).append(d)
    proposed = {r.case_id: r for r in PlanRevision.objects.filter(case__in=cases, status=RevisionStatus.SIGNING)}
    asked: dict[int, TimeRequest] = {}
    for t in TimeRequest.objects.filter(case__in=cases).order_by("-created_at", "-pk"):
        asked.setdefault(t.case_id, t)
    older = dict(
        RepaymentPlan.objects.filter(case__in=cases, status=PlanStatus.SUPERSEDED)
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    result = []
    for plan in plans:
        rows = sorted(plan.instalments.all(), key=lambda i: i.seq)
        unpaid = [i for i in rows if i.state not in (InstalmentState.PAID, InstalmentState.WAIVED)]
        late = [i for i in unpaid if i.state in (InstalmentState.LATE, InstalmentState.MISSED)]
        institution = plan.case.institution
        result.append(
            MyPlan(
                plan=plan,
                instalments=rows,
                next_due=unpaid[0] if unpaid else None,
                late=late,
                creditor=institution.display_name if institution else "",
                declarations=declared.get(plan.case_id, []),
                paid_count=len(rows) - len(unpaid),
                revision=proposed.get(plan.case_id),
                time_request=asked.get(plan.case_id),
                superseded=older.get(plan.case_id, 0),
            )
        )
    return result


# The automatic performance rate (自动履行率) -----------------------------------------------------------------

PERFORMANCE_GROUPS = ("institution", "court", "district")


@dataclass(frozen=True)
class PerformanceRate:
    """One cell of the automatic performance rate: of the plans that ended (`ended`), how many were
    repaid to the last fen without any application for enforcement (`automatic`).

    The keys are those asked for (`by`); the others are None."""

    ended: int
    automatic: int
    institution_id: int | None = None
    court_id: int | None = None
    district: str | None = None

    @property
    def rate(self) -> Decimal | None:
        """automatic / ended as a fraction rounded to 0.001 (None when nothing ended)."""
        if not self.ended:
            return None
        return (Decimal(self.automatic) / Decimal(self.ended)).quantize(Decimal("0.001"))

    @property
    def percent(self) -> Decimal | None:
        return None if self.rate is None else (self.rate * 100).quantize(Decimal("0.1"))


def performance_rates(
    *,
    by: tuple[str, ...] = ("institution",),
    cases: QuerySet[Case] | None = None,
    ended_from: dt.date | None = None,
    ended_until: dt.date | None = None,
) -> list[PerformanceRate]:
    """The automatic performance rate (自动履行率) per creditor institution, court and/or district.

    What is counted, per case (its plan in force; a version superseded by a new one is not counted):
    - a plan has *ended* when it was repaid in full (`completed`: the last fen paid or waived), or it was
      defaulted by its terms (`defaulted`, and `enforcement` once the court accepted an application);
      a plan still being repaid or suspended has not ended; a defaulted plan revised into a new version
      counts only as that new version;
    - it ended *automatically* when it was repaid in full and the case never saw an application for
      enforcement (a plan repaid after a default but before any application counts as automatic).
    - `ended_from` / `ended_until` (dates, the second excluded) keep the plans that ended in that window,
      by the day they were completed or defaulted (the center's local date).

    `by`: any of "institution" (the case's creditor), "court" (the court holding the case) and "district"
    (the region code of the debtor's first mainland address: the case's first citizen party). `cases`:
    the cases to count (e.g. `Case.objects.restrict(user)`); all by default. Sorted by the keys; one
    query. Small cells are not suppressed here: whoever shows them to regulators does that."""
    from django.conf import settings

    from xietong.cases.models import CaseParty
    from xietong.parties.models import Address

    unknown = set(by) - set(PERFORMANCE_GROUPS)
    if unknown:
        raise ValueError(f"performance_rates: unknown grouping {sorted(unknown)}; use {PERFORMANCE_GROUPS}")
    ended = [PlanStatus.COMPLETED, PlanStatus.DEFAULTED, PlanStatus.ENFORCEMENT]
    qs = RepaymentPlan.objects.filter(status__in=ended)
    if cases is not None:
        qs = qs.filter(case__in=cases.values("pk"))
    qs = qs.annotate(
        ended_at=Coalesce("completed_at", "defaulted_at"),
        applied=Exists(EnforcementApplication.objects.filter(case_id=OuterRef("case_id"))),
    )
    if ended_from is not None or ended_until is not None:
        import zoneinfo

        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        if ended_from is not None:
            qs = qs.filter(ended_at__gte=dt.datetime.combine(ended_from, dt.time.min, tzinfo=zone))
        if ended_until is not None:
            qs = qs.filter(ended_at__lt=dt.datetime.combine(ended_until, dt.time.min, tzinfo=zone))
    fields = {"institution": "case__institution_id", "court": "case__court_id", "district": "district"}
    if "district" in by:
        debtor = (
            CaseParty.objects.filter(case_id=OuterRef(OuterRef("case_id")), person__isnull=False)
            .order_by("pk")
            .values("person_id")[:1]
        )
        qs = qs.annotate(
            district=Subquery(
                Address.objects.filter(person_id=Subquery(debtor), country="CN")
                .exclude(region="")
                .order_by("pk")
                .values("region")[:1]
            )
        )
    keys = [fields[k] for k in PERFORMANCE_GROUPS if k in by]
    automatic = Q(status=PlanStatus.COMPLETED, applied=False)
    if not keys:
        total = qs.aggregate(n=Count("pk"), auto=Count("pk", filter=automatic))
        return [PerformanceRate(ended=int(total["n"]), automatic=int(total["auto"]))] if total["n"] else []
    rows = qs.order_by().values(*keys).annotate(n=Count("pk"), auto=Count("pk", filter=automatic)).order_by(*keys)
    out = []
    for row in rows:
        out.append(
            PerformanceRate(
                ended=int(row["n"]),
                automatic=int(row["auto"]),
                institution_id=row.get("case__institution_id"),
                court_id=row.get("case__court_id"),
                district=row.get("district"),
            )
        )
    return out


def performance_rate(
    *, cases: QuerySet[Case] | None = None, ended_from: dt.date | None = None, ended_until: dt.date | None = None
) -> PerformanceRate:
    """The automatic performance rate over all the given cases (see `performance_rates`)."""
    rows = performance_rates(by=(), cases=cases, ended_from=ended_from, ended_until=ended_until)
    return rows[0] if rows else PerformanceRate(ended=0, automatic=0)

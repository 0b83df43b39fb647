"""Reads for repayment: the case's current plan, its payments (only the creditor's own), the worklist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import Count, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.permissions import actor_role

from .choices import BasisKind, DeclarationStatus, PlanStatus
from .models import EnforcementApplication, Payment, PaymentDeclaration, PaymentFile, RepaymentPlan


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
    qs = Payment.objects.filter(plan=plan).order_by("paid_on", "pk")
    if actor_role(actor) == Role.INSTITUTION_OPERATOR:
        return qs.filter(institution_id=getattr(actor, "organisation_id", None))
    if actor_role(actor) in (None, Role.REGULATOR):
        return qs.none()
    return qs


def may_report_payments(actor: Any, case: Case) -> bool:
    """The creditor: an operator (or API client) of the case's own institution."""
    return (
        actor_role(actor) == Role.INSTITUTION_OPERATOR
        and case.institution_id is not None
        and getattr(actor, "organisation_id", None) == case.institution_id
    )


def declarations_of(case: Case | int) -> QuerySet[PaymentDeclaration]:
    """The payments declared in a case, newest first (everyone who may see the case sees them)."""
    case_id = case.pk if isinstance(case, Case) else case
    return PaymentDeclaration.objects.filter(case_id=case_id).order_by("-created_at", "-pk")


def declarations_waiting(*, actor: Any) -> QuerySet[PaymentDeclaration]:
    """What waits for this actor: declared payments to answer (the creditor's operators), disputed ones
    to settle (the case's mediator, the court's staff); nothing for anyone else."""
    role = actor_role(actor)
    cases = Case.objects.restrict(actor)
    qs = PaymentDeclaration.objects.filter(case__in=cases).select_related("case").order_by("created_at", "pk")
    if role == Role.INSTITUTION_OPERATOR:
        return qs.filter(status=DeclarationStatus.DECLARED, case__institution_id=actor.organisation_id)
    if role == Role.MEDIATOR:
        return qs.filter(status=DeclarationStatus.DISPUTED, case__mediator_id=actor.pk)
    if role in (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE):
        return qs.filter(status=DeclarationStatus.DISPUTED)
    return qs.none()


def may_use_payment_files(actor: Any) -> bool:
    """An institution's operator or API client: it reports the payments of its own cases in bulk."""
    return actor_role(actor) == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None) is not None


def payment_files_of(*, actor: Any) -> QuerySet[PaymentFile]:
    """The payments files of the actor's institution, newest first (none for anyone else)."""
    if not may_use_payment_files(actor):
        return PaymentFile.objects.none()
    return PaymentFile.objects.filter(institution_id=actor.organisation_id).order_by("-created_at", "-pk")


def payment_file_get(*, actor: Any, pk: int) -> PaymentFile | None:
    """One payments file of the actor's institution; another institution's reads as no file at all."""
    return payment_files_of(actor=actor).filter(pk=pk).first()


def enforceable_basis(case: Case) -> tuple[str, str] | None:
    """(kind, number) of the case's enforceable basis: the 民特 ruling of confirmation or the 民初 judgment."""
    from xietong.judiciary.choices import RulingKind
    from xietong.judiciary.models import Ruling

    kinds = {RulingKind.CONFIRMATION: BasisKind.CONFIRMATION, RulingKind.JUDGMENT: BasisKind.JUDGMENT}
    ruling = Ruling.objects.filter(case_id=case.pk, kind__in=list(kinds)).order_by("-issued_at", "-pk").first()
    if ruling is None or not ruling.number:
        return None
    return str(kinds[RulingKind(ruling.kind)]), ruling.number


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


def creditor_worklist(*, actor: Any) -> QuerySet[RepaymentPlan]:
    """The current plans of the cases this actor may see, being repaid or in enforcement: defaulted
    first (the longest defaulted first), then in enforcement, suspended, being repaid."""
    cases = Case.objects.restrict(actor).filter(state__in=[CaseState.PERFORMING, CaseState.ENFORCING, CaseState.TRIED])
    priority = DbCase(
        *[When(status=s, then=Value(n)) for n, s in enumerate(WORKLIST_ORDER)],
        default=Value(len(WORKLIST_ORDER)),
        output_field=IntegerField(),
    )
    return (
        RepaymentPlan.objects.filter(case__in=cases)
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("case")
        .annotate(priority=priority)
        .order_by("priority", F("defaulted_at").asc(nulls_last=True), "case_id")
    )


def worklist_counts(plans: QuerySet[RepaymentPlan]) -> dict[str, int]:
    """How many plans of the worklist are in each status (one query)."""
    rows = plans.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    return {str(status): int(n) for status, n in rows}


@dataclass(frozen=True)
class LimitationClock:
    ends: dt.date
    days_left: int
    warning: int | None  # 90, 30, 7; 0 once run out; None while far

    @property
    def tone(self) -> str:
        return {None: "info", 90: "warn", 30: "bad", 7: "bad", 0: "bad"}[self.warning]


def limitation_clock(plan: RepaymentPlan, *, today: dt.date | None = None) -> LimitationClock | None:
    """The two years to apply for enforcement: from the last due date, restarted by the last payment."""
    from .rules import limitation_ends, limitation_warning

    last = plan.instalments.order_by("-due_date").values_list("due_date", flat=True).first()
    if last is None or plan.status == PlanStatus.COMPLETED:
        return None
    paid = list(Payment.objects.filter(plan=plan).order_by("-paid_on").values_list("paid_on", flat=True)[:1])
    today = today or timezone.localdate()
    ends = limitation_ends(last_due=last, interruptions=paid)
    return LimitationClock(ends=ends, days_left=(ends - today).days, warning=limitation_warning(ends=ends, today=today))


@dataclass(frozen=True)
class MyPlan:
    plan: RepaymentPlan
    instalments: list[Any]
    next_due: Any
    late: list[Any]
    creditor: str
    declarations: list[PaymentDeclaration]
    paid_count: int


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
            )
        )
    return result

"""The demo history's repayment steps, taken through this app's services (registered as the demo
steps of their transitions in apps.py). Each handler ends with the transition of its step.

- "fulfil": the creditor reports one payment per instalment (today, the demo's agreements fall due
  from next month: early repayment); the last fen fulfils the case, by the system.
- "enforce": a case being repaid is followed up as of the day after its first instalment's grace
  period (the demo's plans start next month: the history is replayed ahead of the calendar), which
  misses it and defaults the plan by its terms; the creditor applies, the clerk accepts (执 number).
  A tried case's creditor applies on the 民初 judgment straight away.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import ApiClient, User
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.core.errors import DomainError

from .choices import EnforcementResult
from .services import (
    enforcement_accept,
    enforcement_apply,
    enforcement_result_record,
    payment_report,
    plan_create,
    plan_follow,
)


def _creditor(case: Case) -> Any:
    if case.institution_id is None:
        raise DomainError(f"demo: case {case.pk} has no creditor institution")
    found: User | ApiClient | None = (
        User.objects.filter(role=Role.INSTITUTION_OPERATOR, organisation_id=case.institution_id, is_active=True)
        .order_by("pk")
        .first()
    )
    if found is None:
        found = ApiClient.objects.filter(organisation_id=case.institution_id, is_active=True).order_by("pk").first()
    if found is None:
        raise DomainError(f"demo: no operator or API client of the creditor of case {case.pk}")
    return found


def fulfil(*, case_id: int, actor: Any, note: str) -> None:
    case = Case.objects.get(pk=case_id)
    plan = plan_create(case=case)
    if plan is None:
        raise DomainError(f"demo: case {case_id} has no plan to repay")
    creditor = _creditor(case)
    today = timezone.localdate()
    for i in plan.instalments.order_by("seq"):
        if i.outstanding > 0:
            payment_report(
                actor=creditor, case=case_id, paid_on=today, amount=i.outstanding, reference=f"DEMO-{case_id}-{i.seq}"
            )


def enforce(*, case_id: int, actor: Any, note: str) -> None:
    case = Case.objects.get(pk=case_id)
    if case.state == CaseState.PERFORMING:
        plan = plan_create(case=case)
        if plan is None:
            raise DomainError(f"demo: case {case_id} has no plan")
        first = plan.instalments.order_by("seq").first()
        assert first is not None
        day = first.due_date + dt.timedelta(days=plan.grace_days + 1)
        plan_follow(plan=plan, now=dt.datetime.combine(day, dt.time(10), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)))
    enforcement_apply(actor=_creditor(case), case=case_id)
    enforcement_accept(actor=actor, case=case_id, note=note)


def close(*, case_id: int, actor: Any, note: str) -> None:
    """The step "close": a case in enforcement closes by recording how enforcement ended (paid in full,
    partly paid, terminated — one of the three in turn); any other case by the bare step."""
    from xietong.cases.services import case_transition

    case = Case.objects.get(pk=case_id)
    if case.state != CaseState.ENFORCING:
        case_transition(case=case_id, code="close", actor=actor, note=note)
        return
    from .selectors import application_open

    application = application_open(case)
    assert application is not None
    result = (EnforcementResult.PAID_IN_FULL, EnforcementResult.PARTLY_PAID, EnforcementResult.TERMINATED)[case_id % 3]
    amount = (application.amount_outstanding / 2).quantize(Decimal("0.01")) if result == "partly_paid" else None
    notes = {
        EnforcementResult.PAID_IN_FULL: "被执行人在执行中全部履行，执行完毕。",
        EnforcementResult.PARTLY_PAID: "扣划被执行人银行存款，部分履行；其余暂无财产可供执行。",
        EnforcementResult.TERMINATED: "经财产调查，被执行人暂无财产可供执行，终结本次执行程序。",
    }
    enforcement_result_record(actor=actor, case=case_id, result=result, amount=amount, note=notes[result])

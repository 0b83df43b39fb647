"""The demo's repayment: the history's steps, taken through this app's services (registered as the
demo steps of their transitions in apps.py; each handler ends with the transition of its step), and
story 9 added after the history (`seed`, one of the region's DEMO_EXTENSIONS).

- "start_performance": the step, then the plan, made at that moment of the history.
- "fulfil": the creditor reports one payment per instalment (today, the demo's agreements fall due
  from next month: early repayment); the last fen fulfils the case, by the system.
- "enforce": a case being repaid has its days so far replayed, nothing paid (reminded, late, missed,
  defaulted when it was due); if its first instalment's grace period has not ended by then, it is
  followed up as of the day after (the history runs ahead of the calendar there); the creditor
  applies, the clerk accepts (执 number).
  A tried case's creditor applies on the 民初 judgment straight away.
- "close": a case in enforcement closes by recording the result of enforcement (never around it).

`seed` (story 9: a confirmed plan paid instalment by instalment, reminded, defaulted, enforced):
- every case being repaid gets its past replayed, day by day up to today, under the daily follow-up:
  reminders three days before and on the day, payments on time (most), late within the grace period
  then paid (two), missed and defaulted (two: one left to its creditor, the other applied for today,
  awaiting the court); one plan suspended for hardship by the court, one changed to a new version at
  the debtor's request (the old one kept, superseded);
- the oldest enforcement opened in the history on a defaulted plan (missed → defaulted → applied →
  accepted with its 执 number) gets its result recorded by the court today, and closes;
- story 1: 黄德华's three agreements are confirmed and repaid: each bank reports the first instalment,
  one waives part of the interest for the borrower's illness; he declares a payment with a voucher on
  a second plan (awaiting the bank) and another on the third (disputed by the bank: with the mediator);
- story 3: 王志强's confirmed plan starts; he pays the first instalment from Jakarta by remittance and
  declares it with the remittance slip; the bank confirms it; his reminders come in Jakarta time;
- the Postal Savings Bank reports its performing batch cases' next instalments in one payments file.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import ApiClient, User
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.core.errors import DomainError

from .choices import EnforcementResult, PlanStatus
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
        # the plan's days so far, nothing paid: reminded, late, missed and defaulted when it was due
        today = timezone.localdate()
        _replay(plan, behaviour="missed", creditor=_creditor(case), rng=random.Random(case_id), until=today)  # noqa: S311
        plan.refresh_from_db()
        if plan.status != PlanStatus.DEFAULTED:
            # the history runs ahead of the calendar here: followed up as of the end of the grace period
            first = plan.instalments.order_by("seq").first()
            assert first is not None
            day = first.due_date + dt.timedelta(days=plan.grace_days + 1)
            plan_follow(plan=plan, now=dt.datetime.combine(day, dt.time(10), tzinfo=_zone()))
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


def start_performance(*, case_id: int, actor: Any, note: str) -> None:
    """The step, then the plan at once (after a commit otherwise: the history runs in one transaction)."""
    from xietong.cases.services import case_transition

    case_transition(case=case_id, code="start_performance", actor=actor, note=note)
    plan_create(case=case_id)


# Story 9 -----------------------------------------------------------------------------------------------

MARK = "DEMO-R"  # the references of the payments the seed reports: seeding twice adds nothing


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_zone())


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _court_user(case: Case, role: str) -> User:
    found = User.objects.filter(role=role, organisation_id=case.court_id, is_active=True).order_by("pk").first()
    if found is None:
        raise DomainError(f"demo: no {role} in the court of case {case.pk}")
    return found


def voucher_jpeg(lines: list[str]) -> bytes:
    """A small receipt image (a photo of the slip, in the demo): JPEG, checked by its content like any."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 40 + 26 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((20, 20 + 26 * n), line, fill="black")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _replay(plan: Any, *, behaviour: str, creditor: Any, rng: random.Random, until: dt.date) -> None:
    """The plan's past, day by day: the daily follow-up (reminders, states, default) and the creditor's
    payments, at the times they happened. `behaviour`: "on_time", "late" (the first instalment due paid
    within the grace period) or "missed" (nothing paid)."""
    from xietong.cases.models import Case as CaseModel

    created = timezone.localdate(plan.created_at)
    events: list[tuple[dt.datetime, str, int]] = []
    follow_days: set[dt.date] = set()
    for n, i in enumerate(plan.instalments.order_by("seq")):
        if i.due_date > until:
            break
        for offset in (-3, 0, 1, 7, plan.grace_days + 1):
            day = i.due_date + dt.timedelta(days=offset)
            if created <= day <= until:
                follow_days.add(day)
        if behaviour == "missed":
            continue
        pay = i.due_date + dt.timedelta(days=rng.randint(3, 9)) if behaviour == "late" and n == 0 else None
        pay = pay or i.due_date - dt.timedelta(days=rng.randint(0, 2))
        pay = max(pay, created)
        if pay <= until:
            events.append((_at(pay, 14, rng.randint(0, 59)), "pay", i.seq))
    events += [(_at(day, 10), "follow", 0) for day in follow_days]
    for when, kind, seq in sorted(events):
        if when > timezone.now():
            continue
        if kind == "follow":
            plan_follow(plan=plan.pk, now=when)
            continue
        fresh = plan.instalments.get(seq=seq)
        current = CaseModel.objects.get(pk=plan.case_id)
        if fresh.outstanding <= 0 or current.state != CaseState.PERFORMING:
            continue
        payment_report(
            actor=creditor,
            case=plan.case_id,
            paid_on=timezone.localdate(when),
            amount=fresh.outstanding,
            reference=f"{MARK}-{plan.case_id}-{seq}",
            today=timezone.localdate(when),
            recorded_at=when,
        )


def _past_due(plan: Any, today: dt.date) -> int:
    """How many instalments were missed by now if nothing was paid (due + grace days before today)."""
    return plan.instalments.filter(due_date__lt=today - dt.timedelta(days=plan.grace_days)).count()


def seed(*, actor: Any) -> None:
    """Story 9, added after the region's history (see the module's docstring). Seeding twice adds nothing."""
    from .models import Payment, RepaymentPlan
    from .services import repayment_daily

    if Payment.objects.filter(reference__startswith=MARK).exists():
        return
    rng = random.Random("repayment-demo")  # noqa: S311 - the demo's fictitious history, not a secret
    today = timezone.localdate()
    for case_id in Case.objects.filter(state=CaseState.PERFORMING).order_by("pk").values_list("pk", flat=True):
        plan_create(case=case_id)
    stories = _story_cases()
    plans = list(
        RepaymentPlan.objects.filter(case__state=CaseState.PERFORMING, status=PlanStatus.ACTIVE)
        .exclude(case_id__in=stories)
        .select_related("case")
        .order_by("case_id")
    )
    missed = [p for p in plans if _past_due(p, today) >= p.default_after_missed][:2]
    late = [p for p in plans if p not in missed and p.instalments.filter(due_date__lt=today).exists()][:2]
    for plan in plans:
        behaviour = "missed" if plan in missed else "late" if plan in late else "on_time"
        _replay(plan, behaviour=behaviour, creditor=_creditor(plan.case), rng=rng, until=today)
    if missed:  # the first defaulted plan: its creditor applied today, the court has yet to accept
        enforcement_apply(actor=_creditor(missed[0].case), case=missed[0].case_id)
    _enforcement_result_today()
    # Paid on time so far and still being repaid (a short plan may already be repaid to the last fen).
    active = set(RepaymentPlan.objects.filter(status=PlanStatus.ACTIVE).values_list("pk", flat=True))
    rest = [p for p in plans if p not in missed and p not in late and p.pk in active]
    if rest:
        _suspended(rest[0].case, today)
    if len(rest) > 1:
        _revised(rest[1].case, today)
    _story_huang(today)
    _story_abroad(today)
    _payments_file(today, exclude=[p.case_id for p in rest[:2]])
    repayment_daily(now=timezone.now())


def _story_cases() -> list[int]:
    """huang's three cases and wang's (their stories are told here at today's date, not replayed)."""
    ids = []
    for username in ("huang", "wang"):
        user = _user(username)
        if user is not None:
            ids += list(Case.objects.restrict(user).values_list("pk", flat=True))
    return ids


def _enforcement_result_today() -> None:
    """The oldest enforcement opened on a defaulted plan in the history: the court records its result today."""
    from .models import EnforcementApplication

    application = (
        EnforcementApplication.objects.filter(status="accepted", plan__isnull=False, case__state=CaseState.ENFORCING)
        .select_related("case")
        .order_by("accepted_at", "pk")
        .first()
    )
    if application is None:
        return
    half = (application.amount_outstanding / 2).quantize(Decimal("0.01"))
    enforcement_result_record(
        actor=_court_user(application.case, Role.JUDGE),
        case=application.case_id,
        result=EnforcementResult.PARTLY_PAID,
        amount=half,
        note="冻结、扣划被执行人银行存款，部分履行；其余暂无财产可供执行，终结本次执行程序。",
    )


def _suspended(case: Case, today: dt.date) -> None:
    from .services import plan_suspend

    plan_suspend(
        actor=_court_user(case, Role.CLERK),
        case=case.pk,
        reason="借款人突发重病住院治疗，经本人申请并提交诊断证明，暂停还款提醒及逾期计算。",
        until=today + dt.timedelta(days=45),
    )


def _revised(case: Case, today: dt.date) -> None:
    """The debtor asked the mediator for more time by phone: a new version over twice as many months."""
    from .revisions import (
        plan_revision_draft,
        plan_revision_sign_counter,
        plan_revision_sign_creditor,
        time_request_create,
    )
    from .selectors import plan_current

    plan = plan_current(case)
    if plan is None or case.mediator is None:
        return
    left = plan.instalments.filter(paid__lt=F("amount")).count() or 1
    time_request_create(
        actor=case.mediator, case=case.pk, reason="债务人来电称经营收入下降，请求延长还款期限。", months=left * 2
    )
    revision = plan_revision_draft(
        actor=case.mediator,
        case=case.pk,
        months=max(2, left * 2),
        first_due=today + dt.timedelta(days=25),
        note="双方电话协商一致，延长期限，其他条款不变。",
    )
    plan_revision_sign_counter(actor=case.mediator, revision=revision)
    plan_revision_sign_creditor(actor=_creditor(case), revision=revision)


def _story_huang(today: dt.date) -> None:
    """Story 1: the three agreements confirmed and being repaid; a waiver, a declaration awaiting the bank,
    one disputed."""
    from django.core.files.base import ContentFile

    from xietong.judiciary.choices import ReviewDecision
    from xietong.judiciary.services import confirmation_decide

    from .declarations import declaration_dispute, payment_declare
    from .selectors import plan_current
    from .services import instalment_waive

    huang, judge = _user("huang"), _user("judge")
    if huang is None or judge is None:
        return
    cases = list(Case.objects.restrict(huang).filter(state=CaseState.AGREEMENT).order_by("pk"))
    ticked = {"voluntary": True, "lawful": True, "within_jurisdiction": True, "parties_identified": True}
    for n, case in enumerate(cases):
        confirmation_decide(
            actor=judge,
            case=case.pk,
            decision=ReviewDecision.CONFIRM,
            reasons="经询问，借款人之弟黄德华受托代为调解，双方自愿达成协议，内容合法，予以确认。",
            render=False,
            **ticked,
        )
        plan = plan_create(case=case.pk)
        if plan is None:
            continue
        first = plan.instalments.order_by("seq").first()
        assert first is not None
        payment_report(
            actor=_creditor(case),
            case=case.pk,
            paid_on=today,
            amount=first.amount,
            reference=f"{MARK}-{case.pk}-1",
        )
        if n == 0:
            from .services import waived_so_far

            room = case.waivable - waived_so_far(case)
            second = plan.instalments.get(seq=2) if plan.instalments.count() > 1 else first
            amount = min(Decimal("300.00"), room, second.outstanding)
            if amount > 0:
                instalment_waive(
                    actor=_creditor(case),
                    case=case.pk,
                    seq=second.seq,
                    amount=amount,
                    reason="借款人身患重病，减免部分利息。",
                )
        elif n in (1, 2):
            current = plan_current(case)
            assert current is not None
            due = current.instalments.filter(paid__lt=F("amount")).order_by("seq").first()
            if due is None:
                continue
            slip = voucher_jpeg(
                [
                    "Bank transfer receipt",
                    f"Amount: CNY {due.outstanding}",
                    f"Date: {today.isoformat()}",
                    f"Case: {case.pk}",
                ]
            )
            declaration = payment_declare(
                actor=huang,
                case=case.pk,
                paid_on=today - dt.timedelta(days=n),
                amount=due.outstanding,
                voucher=ContentFile(slip, name=f"transfer-{n}.jpg"),
                note="手机银行转账至贷款账户",
            )
            if n == 2:
                declaration_dispute(
                    actor=_creditor(case),
                    declaration=declaration,
                    reason="核对还款账户流水，未见该笔款项入账，凭证上的收款账户与贷款账户不一致。",
                )


def _story_abroad(today: dt.date) -> None:
    """Story 3: repayment starts; 王志强 pays from Jakarta by remittance and declares it; the bank confirms."""
    from django.core.files.base import ContentFile

    from xietong.audit.services import SYSTEM
    from xietong.cases.services import case_transition

    from .declarations import declaration_confirm, payment_declare

    wang = _user("wang")
    if wang is None:
        return
    case = Case.objects.restrict(wang).filter(state=CaseState.CONFIRMED).order_by("pk").first()
    if case is None:
        return
    case_transition(case=case.pk, code="start_performance", actor=SYSTEM)
    plan = plan_create(case=case.pk)
    if plan is None:
        return
    first = plan.instalments.order_by("seq").first()
    assert first is not None
    slip = voucher_jpeg(
        [
            "PT Bank Mandiri - International Remittance",
            "Jl. Gajah Mada, Jakarta Barat",
            f"Amount: CNY {first.amount}",
            f"Value date: {(today - dt.timedelta(days=2)).isoformat()}",
            "Beneficiary: China Construction Bank",
        ]
    )
    declaration = payment_declare(
        actor=wang,
        case=case.pk,
        paid_on=today - dt.timedelta(days=2),
        amount=first.amount,
        voucher=ContentFile(slip, name="remittance-jakarta.jpg"),
        note="在雅加达通过银行国际汇款",
    )
    declaration_confirm(actor=_creditor(case), declaration=declaration, reference=f"{MARK}-SWIFT-{case.pk}")


def _payments_file(today: dt.date, *, exclude: list[int]) -> None:
    """The Postal Savings Bank reports the next instalment of its cases being repaid in one file."""
    from xietong.accounts.models import Organisation

    from .models import RepaymentPlan
    from .payment_files import COLUMNS, payment_file_apply, payment_file_upload

    operator = _user("psbc")
    if operator is None or operator.organisation_id is None:
        return
    bank = Organisation.objects.get(pk=operator.organisation_id)
    rows = []
    for plan in (
        RepaymentPlan.objects.filter(case__institution=bank, case__state=CaseState.PERFORMING, status=PlanStatus.ACTIVE)
        .exclude(case_id__in=exclude)
        .select_related("case")
    ):
        due = plan.instalments.filter(paid__lt=F("amount")).order_by("seq").first()
        if due is not None:
            rows.append(f"{plan.case.number},{today.isoformat()},{due.outstanding},{MARK}-F-{plan.case_id}-{due.seq}")
    if not rows:
        return
    header = ",".join(c.header for c in COLUMNS)
    data = ("\n".join([f"{bank.display_name} 还款明细 {today.isoformat()}", header, *rows]) + "\n").encode("utf-8")
    checked = payment_file_upload(actor=operator, data=data, name=f"还款明细-{today.isoformat()}.csv")
    payment_file_apply(actor=operator, payment_file=checked)

"""Repayment in the browser: the creditor's journey (report → missed → default → application → 执)
and the debtor's phone page with a 24-instalment plan at 390 px."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tests.support.agreements import agreement_make_signed
from tests.support.judiciary import confirm_case
from tests.support.world import PASSWORD
from xietong.cases.models import Case
from xietong.cases.services import case_start_mediation
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import repayment_daily

from .conftest import login

pytestmark = pytest.mark.browser


def performing(w, months: int) -> Case:
    case = w.cases["bank"]
    case_start_mediation(case=case, actor=w.users["mediator"])
    agreement_make_signed(case, w.users["mediator"], months=months)
    confirm_case(case, w.users["judge"], start_performance=True)  # the plan is made after the commit
    case.refresh_from_db()
    assert plan_current(case) is not None
    return case


def test_the_creditors_journey_from_a_payment_to_the_enforcement_number(live_world, new_page):
    w = live_world
    case = performing(w, 3)
    bank = new_page()
    login(bank, "bank", PASSWORD)
    bank.goto(f"/cases/{case.pk}/")
    bank.fill("#id_amount", "1000.00")
    bank.fill("#id_reference", "CORE-0001")
    with bank.expect_navigation():
        bank.click("[data-testid=payment-submit]")
    assert bank.locator("[data-testid=plan-balance]").inner_text() == "11,800.50"
    # a double submit of the same reference: a clear message, nothing changed
    bank.fill("#id_amount", "1000.00")
    bank.fill("#id_reference", "CORE-0001")
    with bank.expect_navigation():
        bank.click("[data-testid=payment-submit]")
    assert "CORE-0001" in bank.content()
    assert bank.locator("[data-testid=plan-balance]").inner_text() == "11,800.50"

    # the first instalment is missed: 16 days after it fell due, the daily job defaults the plan
    first = plan_current(case).instalments.get(seq=1).due_date
    repayment_daily(
        now=dt.datetime.combine(first + dt.timedelta(days=16), dt.time(10), zoneinfo.ZoneInfo("Asia/Shanghai"))
    )
    bank.goto(f"/cases/{case.pk}/")
    assert bank.locator("[data-testid=plan-status]").inner_text() == "已违约"
    bank.on("dialog", lambda d: d.accept())
    with bank.expect_navigation():
        bank.click("[data-testid=enforcement-apply]")
    assert bank.locator("[data-testid=enforcement-application]").count() == 1
    bank.goto("/repayment/")
    assert bank.locator("[data-testid=worklist-plan-defaulted]").count() == 1

    clerk = new_page()
    login(clerk, "clerk", PASSWORD)
    clerk.goto(f"/cases/{case.pk}/")
    with clerk.expect_navigation():
        clerk.click("[data-testid=enforcement-accept]")
    number = clerk.locator("[data-testid=enforcement-number]").inner_text()
    assert "执" in number
    case.refresh_from_db()
    assert case.state == "enforcing" and case.number == number


def test_the_debtors_phone_page_with_24_instalments_fits_390_px(live_world, new_page):
    performing(live_world, 24)
    phone = new_page(viewport={"width": 390, "height": 844})
    login(phone, "party", PASSWORD)
    phone.goto("/my/repayments/")
    assert phone.locator("[data-testid=my-instalments] tbody tr").count() == 24
    assert phone.locator("[data-testid=next-due]").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert width <= 390, width  # no sideways scrolling
    assert height < 2200, height  # one compact table, not 24 stacked cards (~9,000 px)

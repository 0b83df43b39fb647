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


def test_the_debtor_declares_a_payment_with_a_photo_of_the_receipt_on_the_phone(live_world, new_page):
    from xietong.repayment.models import PaymentDeclaration

    w = live_world
    case = performing(w, 24)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 400
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400
    phone = new_page(viewport={"width": 390, "height": 844})
    login(phone, "party", PASSWORD)  # the borrower's brother, acting for him
    phone.goto("/my/repayments/")

    # an .exe renamed .jpg: refused, the content was checked, nothing declared
    phone.click("[data-testid=declare] summary")
    phone.fill("#id_amount", "533.35")
    phone.set_input_files("#id_voucher", {"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": exe})
    with phone.expect_navigation():
        phone.click("[data-testid=declare-submit]")
    assert "不是 PDF、JPG 或 PNG 文件" in phone.content()
    assert not PaymentDeclaration.objects.exists()

    # a photo of the receipt: declared, awaiting the bank, shown on the page
    phone.click("[data-testid=declare] summary")
    phone.fill("#id_amount", "533.35")
    phone.fill("#id_note", "手机银行转账")
    phone.set_input_files("#id_voucher", {"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": jpeg})
    with phone.expect_navigation():
        phone.click("[data-testid=declare-submit]")
    assert phone.locator("[data-testid=my-declaration]").count() == 1
    assert "等待债权人确认" in phone.locator("[data-testid=my-declaration]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    declaration = PaymentDeclaration.objects.get()
    assert declaration.case_id == case.pk and declaration.voucher_type == "jpeg"

    # the bank confirms it on the case page: a payment, allocated; the phone page says so
    bank = new_page()
    login(bank, "bank", PASSWORD)
    bank.goto(f"/cases/{case.pk}/")
    with bank.expect_navigation():
        bank.click("[data-testid=declaration-confirm]")
    assert bank.locator("[data-testid=plan-paid]").inner_text() == "533.35"
    phone.goto("/my/repayments/")
    assert "债权人已确认" in phone.locator("[data-testid=my-declaration]").inner_text()

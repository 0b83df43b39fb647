"""The agreement, signed online: the mediator drafts a plan of their own (live preview), sends it; the
relative acting for the borrower signs with a code sent to their phone; the bank's operator signs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.support.world import PASSWORD
from xietong.agreements.models import Agreement
from xietong.cases.models import Case
from xietong.cases.services import case_start_mediation
from xietong.notifications.backends import LocmemSmsBackend

from .conftest import PHONE, login

pytestmark = pytest.mark.browser


def test_a_hand_made_plan_is_signed_online_by_code_and_by_the_operator(live_world, new_page):
    w = live_world
    case = w.cases["bank"]
    case_start_mediation(case=case, actor=w.users["mediator"])
    LocmemSmsBackend.outbox.clear()

    m = new_page()
    login(m, "mediator", PASSWORD)
    m.goto(f"/cases/{case.pk}/")
    d1 = timezone.localdate() + dt.timedelta(days=10)
    d2 = d1 + dt.timedelta(days=30)
    # 13000.00 − 199.50 waived = 12800.50; a plan that is one fen short is refused by the preview...
    m.fill("#id_plan_text", f"{d1.isoformat()} 800.50\n{d2.isoformat()} 11999.99")
    m.locator("[data-testid=plan-error]").wait_for()
    assert "12800.49" in m.locator("[data-testid=plan-error]").inner_text()
    # ...and the exact one shows its sum.
    m.fill("#id_plan_text", f"{d1.isoformat()} 800.50\n{d2.isoformat()} 12000.00")
    m.locator("[data-testid=plan-sum]").wait_for()
    assert m.locator("[data-testid=plan-sum]").inner_text() == "12,800.50"
    with m.expect_navigation():
        m.click("[data-testid=agreement-draft-submit]")
    assert m.locator("[data-testid=agreement-agreed]").inner_text() == "12,800.50"
    with m.expect_navigation():
        m.click("[data-testid=agreement-send]")

    # The relative (the party user) signs for the borrower with the code sent to their own phone.
    p = new_page(viewport=PHONE)
    login(p, "party", PASSWORD)
    p.goto(f"/cases/{case.pk}/")
    with p.expect_navigation():
        p.click("[data-testid=sign-request-code]")
    sms = LocmemSmsBackend.outbox[-1]
    assert sms.to == w.persons["relative"].phone
    code = re.search(r"\d{6}", sms.text).group()
    p.fill("[data-testid=sign-code]", code)
    with p.expect_navigation():
        p.click("[data-testid=sign-with-code]")
    assert p.locator("[data-testid=signed]").count() == 1
    assert Case.objects.get(pk=case.pk).state == "mediating"

    b = new_page()
    login(b, "bank", PASSWORD)
    b.goto(f"/cases/{case.pk}/")
    b.on("dialog", lambda dialog: dialog.accept())
    with b.expect_navigation():
        b.click("[data-testid=sign-operator]")
    assert b.locator("[data-testid=case-state]").inner_text() == "已达成协议"
    agreement = Agreement.objects.get(case=case)
    assert b.locator("[data-testid=agreement-hash]").inner_text() == agreement.content_hash
    assert agreement.pdf  # rendered at freezing
    with b.expect_download() as download:
        b.click("[data-testid=agreement-pdf]")
    assert download.value.suggested_filename.endswith(".pdf")

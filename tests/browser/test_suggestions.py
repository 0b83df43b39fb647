"""A judicial suggestion in the browser: the clerk drafts it, the division head signs it off, the clerk
serves it on the bank, the bank's operator opens and answers it (on a phone, 390 px), the court reads
the answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.support.world import PASSWORD
from xietong.suggestions.models import Suggestion, SuggestionState
from xietong.suggestions.services import signer_appoint

from .conftest import login

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% the bank's new clause\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_draft_sign_off_serve_and_answer(live_world, new_page, tmp_path):
    w = live_world
    signer_appoint(actor=w.users["admin"], user=w.users["judge"])

    clerk = new_page()
    login(clerk, "clerk", PASSWORD)
    clerk.goto("/suggestions/")
    clerk.click("text=起草司法建议")
    clerk.select_option("#id_institution", str(w.bank.pk))
    clerk.check(f"input[name=copies_to][value='{w.regulator_org.pk}']")
    clerk.fill("#id_title", "关于规范送达地址确认书填写的司法建议")
    clerk.fill("#id_problems", "送达地址确认书中姓名与地址混填，邮寄送达多次被退回。")
    clerk.fill("#id_causes", "申领环节未逐项核对。")
    deadline = timezone.localdate() + dt.timedelta(days=50)
    clerk.fill("#id_reply_deadline", deadline.isoformat())
    # No recommendation: a clear message, nothing drafted.
    with clerk.expect_navigation():
        clerk.click("[data-testid=draft-submit]")
    assert "至少需要一条建议事项" in clerk.inner_text("[data-testid=error-recommendations]")
    assert not Suggestion.objects.exists()
    clerk.fill("#id_recommendations", "增设实质性送达地址确认条款\n定期核对客户地址")
    with clerk.expect_navigation():
        clerk.click("[data-testid=draft-submit]")
    s = Suggestion.objects.get()
    assert clerk.inner_text("[data-testid=suggestion-state]") == "草稿"

    judge = new_page()
    login(judge, "judge", PASSWORD)
    judge.goto(f"/suggestions/{s.pk}/")
    with judge.expect_navigation():
        judge.click("[data-testid=suggestion-sign]")
    number = judge.inner_text("[data-testid=suggestion-number]")
    assert "司建1号" in number and judge.inner_text("[data-testid=suggestion-state]") == "已签发"

    clerk.goto(f"/suggestions/{s.pk}/")
    with clerk.expect_navigation():
        clerk.click("[data-testid=suggestion-send]")
    assert clerk.inner_text("[data-testid=suggestion-state]") == "已发出送达"
    assert clerk.locator("[data-testid=suggestion-send]").count() == 0  # sent once: no second button

    bank = new_page(viewport={"width": 390, "height": 844})
    login(bank, "bank", PASSWORD)
    bank.goto("/suggestions/")
    bank.click(f"text={number}")
    assert bank.inner_text("[data-testid=suggestion-state]") == "已送达"  # opening it served it
    assert bank.evaluate("document.documentElement.scrollWidth") <= 390
    bank.fill("#id_actions", "已在信用卡申领合约中增设实质性送达地址确认条款。")
    bank.check("#id_verdict_1_0")  # adopted
    bank.check("#id_verdict_2_1")  # partly adopted
    form = tmp_path / "clause.pdf"
    form.write_bytes(PDF)
    bank.set_input_files("#id_attachments", str(form))
    with bank.expect_navigation():
        bank.click("[data-testid=answer-submit]")
    assert "第2条建议未完全采纳的理由" in bank.inner_text("[data-testid=error-reason_2]")
    bank.fill("#id_reason_2", "存量客户分批核对，半年内完成。")
    bank.set_input_files("#id_attachments", str(form))
    with bank.expect_navigation():
        bank.click("[data-testid=answer-submit]")
    assert bank.inner_text("[data-testid=suggestion-state]") == "已回复"
    s.refresh_from_db()
    assert s.state == SuggestionState.ANSWERED and s.served_at is not None

    clerk.goto(f"/suggestions/{s.pk}/")
    assert "存量客户分批核对" in clerk.inner_text("[data-testid=suggestion-answer]")
    assert clerk.locator("[data-testid=answer-attachment]").count() == 1

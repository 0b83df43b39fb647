"""Story 3, all online, every step in the browser: a borrower working in Indonesia registers and applies on a
phone, sets their time zone; the clerk assigns a mediator automatically; the mediator starts mediation and
schedules an online session (the party sees it in Jakarta time); the bank offers, the party accepts; the
mediator drafts the agreement with its repayment plan; the party signs with a code sent to their Indonesian
phone, the bank's operator signs; the judge of the court reviews the checklist and confirms: a 民特 ruling,
its PDF, and the case moves on to repaying — which the party sees on their own pages."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.support.world import PASSWORD
from xietong.core.validators import id_check_char

from .conftest import DESKTOP, PHONE, login

pytestmark = pytest.mark.browser

NAME = "陈海燕"
ID_FIRST17 = "35080219900612412"
ID_NUMBER = ID_FIRST17 + id_check_char(ID_FIRST17)  # valid, not in the test world
PHONE_NUMBER = "+6281234567890"  # an Indonesian mobile: she works in Jakarta
PARTY_PASSWORD = "Jakarta-Kerja-2026"
MEETING = "https://meet.example/xietong-story3"
# zh-hans labels of the states (these strings are translated already).
AGREEMENT_SIGNED, CONFIRMED, REPAYING = "已达成协议", "已司法确认", "履行中"


def last_code_to(phone: str) -> str:
    """The one-time code of the last SMS sent to `phone` (the test SMS backend keeps them in memory)."""
    from xietong.notifications.backends import LocmemSmsBackend

    texts = [m.text for m in LocmemSmsBackend.outbox if m.to == phone]
    assert texts, f"no SMS was sent to {phone}"
    found = re.search(r"\d{6}", texts[-1])
    assert found, texts[-1]
    return found.group()


def submit(page, selector: str) -> None:
    """Click a button that posts a form and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def no_error(page) -> None:
    errors = page.locator(".msg.error").all_inner_texts()
    assert not errors, errors


def money(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", ""))


def test_story_3_a_party_abroad_from_application_to_judicial_confirmation(live_world, new_page):
    from pypdf import PdfReader

    from xietong.cases.models import Case
    from xietong.notifications.backends import LocmemSmsBackend

    w = live_world
    LocmemSmsBackend.outbox.clear()

    # Arrange, through the UI too: the center's admin gives the mediator a credit-card specialty,
    # so that automatic assignment has someone to choose.
    admin = new_page(viewport=DESKTOP)
    login(admin, "admin", PASSWORD)
    admin.goto(f"/mediation/pool/{w.users['mediator'].pk}/")
    admin.check("[data-testid=profile-form] input[name=specialties][value=credit_card]")
    admin.fill("[data-testid=profile-form] input[name=capacity]", "10")
    submit(admin, "[data-testid=profile-submit]")
    no_error(admin)
    assert admin.url.endswith("/mediation/pool/"), admin.url  # saved (a form with errors stays put)
    admin.context.close()

    # 1. She registers on her phone (ID number, Indonesian mobile verified by a code) and applies.
    party = new_page(viewport=PHONE)
    party.goto("/register/")
    party.fill("#id_name", NAME)
    party.fill("#id_id_number", ID_NUMBER)
    party.fill("#id_phone", "+62 812 3456 7890")
    party.fill("#id_password1", PARTY_PASSWORD)
    party.fill("#id_password2", PARTY_PASSWORD)
    submit(party, "[data-testid=register-submit]")
    party.fill("#id_code", last_code_to(PHONE_NUMBER))
    submit(party, "[data-testid=register-submit]")
    assert party.url.endswith("/apply/"), party.url
    assert NAME in party.locator("[data-testid=me]").inner_text()
    party.check(f"input[name=institutions][value='{w.bank.pk}']")
    party.select_option("#id_product", "credit_card")
    party.fill("#id_principal", "12,000.00")
    party.fill("#id_interest", "800")
    party.fill("#id_facts", "本人在印度尼西亚务工，收入减少，信用卡逾期，希望分期还款。")
    party.check("input[name=wishes][value=instalments]")
    party.fill("#id_service_address", "Jl. Sudirman No. 1, Jakarta Pusat")
    party.select_option("#id_service_country", "ID")
    party.fill("#id_service_phone", "+62 812 3456 7890")
    party.check("#id_consent_electronic_service")
    party.check("#id_consent_online_mediation")
    submit(party, "[data-testid=apply-submit]")
    assert party.locator("[data-testid=submitted]").is_visible()
    number = party.locator("[data-testid=new-case-number]").inner_text()
    case = Case.objects.get(number=number)
    assert case.institution_id == w.bank.pk and case.door == "online" and case.total == Decimal("12800.00")
    url = f"/cases/{case.pk}/"
    assert party.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1

    # She sets her own time zone on the case page.
    party.goto(url)
    party.click("[data-testid=timezone-box] summary")
    party.select_option("[data-testid=timezone-input]", label="雅加达时间 (UTC+7)")
    submit(party, "[data-testid=timezone-submit]")
    no_error(party)

    # 2. The clerk of the court assigns a mediator automatically (the reason is shown).
    clerk = new_page()
    login(clerk, "clerk", PASSWORD)
    clerk.goto(url)
    submit(clerk, "[data-testid=assign-auto]")
    no_error(clerk)
    assert clerk.locator("[data-testid=mediation-mediator]").inner_text() == str(w.users["mediator"])
    assert clerk.locator("[data-testid=assignment-row]").count() == 1
    clerk.context.close()

    # 3. The mediator starts mediation and schedules an online session at 10:00 their (Shanghai) time.
    mediator = new_page()
    login(mediator, "mediator", PASSWORD)
    mediator.goto(url)
    submit(mediator, "[data-testid=transition-start_mediation]")
    assert mediator.locator("[data-testid=case-state]").inner_text() == "调解中"
    day = timezone.localdate() + dt.timedelta(days=3)
    mediator.click("[data-testid=session-form-box] summary")
    form = mediator.locator("[data-testid=session-form]")
    form.locator("[name=starts_at]").fill(f"{day.isoformat()}T10:00")
    form.locator("[name=mode]").select_option("online")
    form.locator("[name=meeting_link]").fill(MEETING)
    with mediator.expect_navigation():
        form.locator("[data-testid=session-submit]").click()
    no_error(mediator)
    assert mediator.locator("[data-testid=session-your-time]").inner_text() == f"{day.isoformat()} 10:00"
    jakarta_row = mediator.locator("[data-testid=session-time-row][data-tz='Asia/Jakarta']")
    assert f"{day.isoformat()} 09:00" in jakarta_row.inner_text()

    # 4. The bank's operator offers 12500.00 (300.00 of interest waived) in 12 monthly instalments.
    bank = new_page()
    login(bank, "bank", PASSWORD)
    bank.goto(url)
    bank.click("[data-testid=offer-form-box] summary")
    offer = bank.locator("[data-testid=offer-form]")
    offer.locator("[name=total]").fill("12500.00")
    offer.locator("[name=instalments]").fill("12")
    offer.locator("[name=first_payment_on]").fill((timezone.localdate() + dt.timedelta(days=20)).isoformat())
    offer.locator("[name=waived]").fill("300.00")
    with bank.expect_navigation():
        offer.locator("[data-testid=offer-submit]").click()
    no_error(bank)
    assert bank.locator("[data-testid=offer-row][data-status=open]").count() == 1

    # 5. On her phone she sees the session in Jakarta time (one hour behind Shanghai), the link, and
    #    accepts the bank's offer.
    party.goto(url)
    panel = party.locator("[data-testid=mediation-panel]")
    assert panel.locator("[data-testid=session-your-time]").inner_text() == f"{day.isoformat()} 09:00"
    assert "雅加达时间 (UTC+7)" in panel.inner_text() and "Asia/Jakarta" not in panel.inner_text()
    assert panel.locator("[data-testid=session-link]").get_attribute("href") == MEETING
    assert panel.locator("[data-testid=contacts]").count() == 0  # the mediator's internal log is not hers
    with party.expect_navigation():
        panel.locator("[data-testid=offer-accept]").click()
    no_error(party)
    assert party.locator("[data-testid=offer-row][data-status=accepted]").count() == 1

    # 6. The mediator drafts the agreement from the accepted offer; the plan adds up to the agreed total.
    mediator.goto(url)
    mediator.locator("[data-testid=plan-sum]").wait_for()
    assert mediator.locator("[data-testid=plan-sum]").inner_text() == "12,500.00"
    submit(mediator, "[data-testid=agreement-draft-submit]")
    no_error(mediator)
    assert mediator.locator("[data-testid=agreement-agreed]").inner_text() == "12,500.00"
    rows = mediator.locator("[data-testid=agreement-plan] tbody tr")
    amounts = [money(t) for t in rows.locator("td:nth-child(3)").all_inner_texts()]
    instalments, shown_sum = amounts[:-1], amounts[-1]
    assert len(instalments) == 12
    assert sum(instalments) == shown_sum == Decimal("12500.00")
    submit(mediator, "[data-testid=agreement-send]")
    no_error(mediator)

    # 7. She signs with the code sent to her Indonesian phone; then the bank's operator signs.
    party.goto(url)
    submit(party, "[data-testid=sign-request-code]")
    no_error(party)
    code = last_code_to(PHONE_NUMBER)
    party.fill("[data-testid=sign-code]", f"{(int(code) + 1) % 1_000_000:06d}")  # a wrong code signs nothing
    submit(party, "[data-testid=sign-with-code]")
    assert party.locator(".msg.error").count() == 1
    assert party.locator("[data-testid=signed]").count() == 0
    party.fill("[data-testid=sign-code]", code)
    submit(party, "[data-testid=sign-with-code]")
    no_error(party)
    assert party.locator("[data-testid=signed]").count() == 1
    assert party.locator("[data-testid=case-state]").inner_text() == "调解中"  # the bank has not signed yet

    bank.goto(url)
    bank.on("dialog", lambda dialog: dialog.accept())
    submit(bank, "[data-testid=sign-operator]")
    no_error(bank)
    assert bank.locator("[data-testid=case-state]").inner_text() == AGREEMENT_SIGNED
    assert bank.locator("[data-testid=signed]").count() == 2
    assert len(bank.locator("[data-testid=agreement-hash]").inner_text()) == 64

    # 8. The judge of the court reviews the checklist and confirms: a 民特 ruling, and the case is repaying.
    judge = new_page()
    login(judge, "judge", PASSWORD)
    judge.goto(url)
    judge.locator("[data-testid=agreement-signed]").wait_for()
    for item in ("voluntary", "lawful", "within_jurisdiction", "parties_identified"):
        judge.check(f"[data-testid=check-{item}]")
    submit(judge, "[data-testid=confirm]")
    no_error(judge)
    assert judge.locator("[data-testid=case-state]").inner_text() == REPAYING
    ruling_link = judge.locator("[data-testid=ruling-confirmation]")
    found = re.search(r"（\d{4}）闽0802民特\d+号", ruling_link.inner_text())
    assert found, ruling_link.inner_text()
    ruling_number = found.group()
    with judge.expect_download() as download:
        ruling_link.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", "", text)
    assert NAME in flat, flat[:500]
    assert ruling_number in flat, flat[:500]

    # The timeline shows the whole path, with the ruling's number.
    timeline = judge.locator("[data-testid=timeline]").inner_text()
    path = ["已提交", "已分流", "调解中", AGREEMENT_SIGNED, CONFIRMED, REPAYING]
    positions = [timeline.find(f"→ {state}") for state in path[1:]]
    assert all(p >= 0 for p in positions), (positions, timeline)
    assert positions in (sorted(positions), sorted(positions, reverse=True)), (positions, timeline)
    assert ruling_number in timeline

    # 9. Her own pages: the case is repaying, the ruling and its number are there, on a phone.
    party.goto("/my/")
    mine = party.locator("[data-testid=my-case]").filter(has_text=ruling_number)  # the case goes by its 民特 number
    assert mine.locator("[data-testid=my-case-state]").inner_text() == REPAYING
    party.goto(url)
    assert party.locator("[data-testid=case-state]").inner_text() == REPAYING
    assert ruling_number in party.locator("[data-testid=ruling-confirmation]").inner_text()
    assert party.locator("[data-testid=case-number]").inner_text() == ruling_number
    assert number in party.locator("main").inner_text()  # the pre-litigation number is kept
    width = party.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the case page is {width}px wide on a phone"
    with party.expect_download() as download:
        party.click("[data-testid=ruling-confirmation]")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    case.refresh_from_db()
    assert case.state == "performing"
    assert case.number == ruling_number
    assert set(case.numbers.values_list("text", flat=True)) >= {number, ruling_number}

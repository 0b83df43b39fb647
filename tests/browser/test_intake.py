"""Intake in the browser: the phone-sized application form, and story 7 (a station files, the villager takes over)."""

from __future__ import annotations

import re

import pytest

from tests.support.world import PASSWORD

from .conftest import PHONE, login

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_ID = "350802199203070015"  # valid, not in the test world


def test_phone_sized_application_form_opens_one_case_per_institution(live_world, new_page):
    from xietong.cases.models import Case

    w = live_world
    page = new_page(viewport=PHONE)
    login(page, "party", PASSWORD)
    page.goto("/apply/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "form wider than the phone"
    assert w.persons["relative"].name in page.locator("[data-testid=me]").inner_text()
    page.check(f"input[name=institutions][value='{w.bank.pk}']")
    page.check(f"input[name=institutions][value='{w.other_bank.pk}']")
    page.select_option("#id_product", "credit_card")
    page.fill("#id_principal", "12,000.00")
    page.fill("#id_interest", "８００")  # full-width digits, as a Chinese keyboard may type them
    page.fill("#id_facts", "因病停工，无法按期还款，希望分期。")
    page.check("input[name=wishes][value=instalments]")
    page.set_input_files(
        "#id_attachments", files=[{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.fill("#id_service_address", "福建省龙岩市新罗区中山路1号")
    page.fill("#id_service_phone", "13800138000")
    page.check("#id_consent_electronic_service")
    page.check("#id_consent_online_mediation")
    with page.expect_navigation():
        page.click("[data-testid=apply-submit]")
    assert page.locator("[data-testid=submitted]").is_visible()
    numbers = page.locator("[data-testid=new-case-number]").all_inner_texts()
    assert len(numbers) == 2
    cases = Case.objects.filter(number__in=numbers)
    assert {c.institution_id for c in cases} == {w.bank.pk, w.other_bank.pk}
    assert all(c.total == 12800 and c.door == "online" for c in cases)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    # Reloading the result page opens nothing new.
    page.reload()
    assert Case.objects.filter(door="online").count() == 2 + sum(1 for c in w.cases.values() if c.door == "online")


def test_bad_amount_on_a_phone_gets_a_message_and_no_case(live_world, new_page):
    from xietong.cases.models import Case

    w = live_world
    before = Case.objects.count()
    page = new_page(viewport=PHONE)
    login(page, "party", PASSWORD)
    page.goto("/apply/")
    page.check(f"input[name=institutions][value='{w.bank.pk}']")
    page.fill("#id_principal", "-5")
    page.fill("#id_interest", "1,2,3")
    page.fill("#id_facts", "x")
    page.fill("#id_service_address", "地址")
    page.fill("#id_service_phone", "13800138000")
    page.check("#id_consent_online_mediation")
    with page.expect_navigation():
        page.click("[data-testid=apply-submit]")
    assert page.locator("[data-testid=error-principal]").is_visible()
    assert page.locator("[data-testid=error-interest]").is_visible()
    assert Case.objects.count() == before


def test_story_7_station_files_for_a_villager_who_takes_it_over(live_world, new_page):
    from xietong.notifications.backends import LocmemSmsBackend

    w = live_world
    villager_phone = "13905970188"
    page = new_page(viewport=PHONE)
    login(page, "station", PASSWORD)
    page.goto("/station/file/")
    page.fill("#id_party_name", "罗秀英")
    page.fill("#id_party_id_number", NEW_ID)
    page.fill("#id_party_phone", villager_phone)
    page.fill("#id_party_address", "小池镇培斜村3组12号")
    page.check(f"input[name=institutions][value='{w.other_bank.pk}']")
    page.select_option("#id_product", "business_loan")
    page.fill("#id_principal", "38,000")
    page.fill("#id_facts", "脐橙冻灾减产，未能按期还款。")
    page.fill("#id_service_address", "小池镇培斜村3组12号")
    page.fill("#id_service_phone", villager_phone)
    page.check("#id_consent_online_mediation")
    with page.expect_navigation():
        page.click("[data-testid=apply-submit]")
    number = page.locator("[data-testid=new-case-number]").inner_text()
    assert re.match(r"（\d{4}）闽0802民诉前调\d+号", number)
    page.goto("/")
    assert number in page.locator("main").inner_text()  # the station sees what it filed
    page.context.close()

    # The villager, with no account, takes the case over with the phone on file.
    LocmemSmsBackend.outbox.clear()
    page = new_page(viewport=PHONE)
    page.goto("/claim/")
    page.fill("#id_number", number)
    page.fill("#id_phone", villager_phone)
    page.click("[data-testid=claim-submit]")
    page.wait_for_selector("[data-testid=claim-code-sent]")
    assert LocmemSmsBackend.outbox and LocmemSmsBackend.outbox[-1].to == villager_phone
    code = re.search(r"\d{6}", LocmemSmsBackend.outbox[-1].text).group()
    page.fill("#id_code", code)
    page.fill("#id_password1", "Villager-Pass-2026")
    page.fill("#id_password2", "Villager-Pass-2026")
    with page.expect_navigation():
        page.click("[data-testid=claim-submit]")
    assert "罗秀英" in page.locator("[data-testid=whoami]").inner_text()
    assert number in page.locator("main").inner_text()
    page.context.close()

    # Next time she logs in with her phone number and password.
    page = new_page(viewport=PHONE)
    login(page, villager_phone, "Villager-Pass-2026")
    assert number in page.locator("main").inner_text()

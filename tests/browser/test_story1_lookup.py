"""Story 1 in the browser: the lookup shows overdue debts at three banks and no lawsuit; the clerk
opens three pre-litigation cases in one step; anyone with a case number checks its state by code."""

from __future__ import annotations

import re

import pytest

from tests.support.world import PASSWORD

from .conftest import PHONE, login

pytestmark = pytest.mark.browser


def test_lookup_opens_three_cases_and_public_status_check(live_world, new_page):
    from xietong.lookup.models import OverdueDebt
    from xietong.lookup.tests.helpers import FRESH_ID, add_story1_borrower
    from xietong.notifications.backends import LocmemSmsBackend

    person, _debts = add_story1_borrower(live_world)
    page = new_page()
    login(page, "clerk", PASSWORD)
    page.goto("/lookup/")
    page.fill("#id_id_number", FRESH_ID)
    with page.expect_navigation():
        page.click("[data-testid=lookup-submit]")
    assert page.locator("[data-testid=debt-row]").count() == 3
    assert page.locator("[data-testid=not-sued]").is_visible()
    assert page.locator("[data-testid=lookup-no-cases]").is_visible()
    table = page.locator("[data-testid=debt-list]").inner_text()
    for bank in (live_world.bank, live_world.other_bank, live_world.extra["third_bank"]):
        assert bank.display_name in table

    page.check("[data-testid=select-all]")
    assert page.locator("[data-testid=debt-check]:checked").count() == 3
    with page.expect_navigation():
        page.click("[data-testid=open-cases]")
    opened = page.locator("[data-testid=opened-case]")
    assert opened.count() == 3
    numbers = [opened.nth(i).inner_text().strip() for i in range(3)]
    assert all(re.fullmatch(r"（\d{4}）闽0802民诉前调\d+号", n) for n in numbers), numbers
    assert page.locator("[data-testid=lookup-case-row]").count() == 3
    assert page.locator("[data-testid=open-form]").count() == 0  # nothing left to open
    assert set(OverdueDebt.objects.values_list("case__number", flat=True)) == set(numbers)

    # The cases are in the clerk's list.
    page.goto("/")
    listing = page.locator("main").inner_text()
    assert all(n in listing for n in numbers)

    # Anyone holding a case number, on a phone, not logged in.
    LocmemSmsBackend.outbox.clear()
    public = new_page(viewport=PHONE)
    public.goto("/status/")
    public.fill("#id_number", numbers[0])
    with public.expect_navigation():
        public.click("[data-testid=status-send]")
    assert person.phone_masked in public.locator("[data-testid=status-sent]").inner_text()
    assert len(LocmemSmsBackend.outbox) == 1 and LocmemSmsBackend.outbox[0].to == person.phone
    code = re.search(r"\d{6}", LocmemSmsBackend.outbox[0].text).group(0)
    public.fill("#id_code", code)
    with public.expect_navigation():
        public.click("[data-testid=status-verify]")
    state = public.locator("[data-testid=status-state]").inner_text().strip()
    assert state == "已分流"  # the bare state (triaged), in the page's language
    assert public.locator("[data-testid=status-next]").is_visible()
    text = public.locator("main").inner_text()
    assert person.name not in text and "10000" not in text

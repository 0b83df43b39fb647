"""Mediation online: a party abroad sees the session in Jakarta time and accepts the bank's offer on a phone;
the mediator schedules, the clerk assigns automatically."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.support.world import PASSWORD
from xietong.cases.services import case_start_mediation
from xietong.mediation.models import Offer
from xietong.mediation.services import OfferTerms, mediator_profile_save, offer_make, session_schedule

from .conftest import PHONE, login

pytestmark = pytest.mark.browser


def test_a_party_abroad_accepts_the_banks_offer_on_a_phone(live_world, new_page):
    w = live_world
    case = w.cases["bank"]
    case_start_mediation(case=case, actor=w.users["mediator"])
    at = dt.datetime(2030, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Longyan, 09:00 in Jakarta
    session_schedule(
        actor=w.users["mediator"], case=case, starts_at=at, mode="online", meeting_link="https://meet.example/abc"
    )
    offer = offer_make(
        actor=w.users["bank"],
        case=case,
        terms=OfferTerms(total="12500.00", instalments=10, first_payment_on=timezone.localdate() + dt.timedelta(9)),
    )
    relative = w.persons["relative"]
    relative.timezone = "Asia/Jakarta"
    relative.save(update_fields=["timezone"])

    page = new_page(viewport=PHONE)
    login(page, "party", PASSWORD)
    page.goto(f"/cases/{case.pk}/")
    panel = page.locator("[data-testid=mediation-panel]")
    assert "2030-03-02 09:00" in panel.locator("[data-testid=session-your-time]").inner_text()
    assert panel.locator("[data-testid=session-link]").get_attribute("href") == "https://meet.example/abc"
    assert panel.locator("[data-testid=contacts]").count() == 0
    with page.expect_navigation():
        panel.locator("[data-testid=offer-accept]").click()
    assert page.locator("[data-testid=offer-row][data-status=accepted]").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the case page is {width}px wide on a phone"
    offer.refresh_from_db()
    assert offer.status == "accepted"
    assert Offer.objects.count() == 1


def test_the_clerk_assigns_automatically_and_the_mediator_schedules(live_world, new_page):
    w = live_world
    for key in ("mediator", "other_mediator"):
        mediator_profile_save(
            actor=w.users["admin"], user=w.users[key], specialties=["credit_card"], languages=["cmn"], capacity=10
        )
    case = w.cases["other_bank"]
    page = new_page()
    login(page, "clerk", PASSWORD)
    page.goto(f"/cases/{case.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=assign-auto]")
    assert page.locator("[data-testid=assignment-row]").count() == 1
    assert "10" in page.locator("[data-testid=assignment-row]").inner_text()  # the load against capacity 10
    case.refresh_from_db()
    assert case.mediator == w.users["other_mediator"]

    bank_case = w.cases["bank"]
    page = new_page()
    login(page, "mediator", PASSWORD)
    page.goto(f"/cases/{bank_case.pk}/")
    page.click("[data-testid=session-form-box] summary")
    form = page.locator("[data-testid=session-form]")
    form.locator("[name=starts_at]").fill("2030-03-02T10:00")
    form.locator("[name=mode]").select_option("in_person")
    form.locator("[name=place]").fill("第一调解室")
    with page.expect_navigation():
        form.locator("[data-testid=session-submit]").click()
    assert "2030-03-02 10:00" in page.locator("[data-testid=session-your-time]").inner_text()

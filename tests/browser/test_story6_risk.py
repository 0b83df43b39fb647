"""Story 6: the PBoC branch's regulator sees the lead on the villagers' company on arrival (the landing page
lists the new warnings, the navigation counts them), acknowledges and escalates it; a clerk opens the
disputes behind it. Desktop for the regulator (its landing at 390 px too), 390 px for the clerk."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.support.world import PASSWORD
from xietong.accounts.choices import OrganisationKind
from xietong.accounts.services import organisation_create
from xietong.audit.services import SYSTEM
from xietong.cases.models import Case
from xietong.risk import demo as risk_demo
from xietong.risk.choices import Detector, WarningState
from xietong.risk.models import RiskWarning

from .conftest import login

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}


@pytest.mark.usefixtures("live_world")
def test_the_regulator_acknowledges_and_escalates_the_lead_and_a_clerk_opens_its_cases(new_page):
    agency = organisation_create(
        actor=SYSTEM, kind=OrganisationKind.FINANCIAL_REGULATOR, name="龙岩市地方金融监督管理局"
    )
    risk_demo.seed(actor=SYSTEM)  # story 6: twenty villagers file at their station against one company
    lead = RiskWarning.objects.get(detector=Detector.CLUSTER)
    villagers = list(
        Case.objects.filter(named_respondent__isnull=False).values_list("parties__person__name", flat=True)
    )
    assert len(villagers) == 20

    waiting = RiskWarning.objects.filter(state=WarningState.NEW).count()
    reg = new_page()
    login(reg, "regulator", PASSWORD)  # the world's PBoC branch regulator, as `pboc` in the demo
    assert reg.url.endswith("/dashboard/")  # the landing: the new warnings first
    assert reg.locator("[data-testid=nav-risk-new]").inner_text() == str(waiting)
    assert f"{waiting} 条新预警待您处理" in reg.locator("[data-testid=risk-arrivals] h2").inner_text()
    reg.screenshot(path="/tmp/story6-regulator-landing.png")
    arrival = reg.locator(f"[data-testid=risk-arrival][data-warning='{lead.pk}']")
    assert "龙岩鑫汇投资咨询有限公司" in arrival.inner_text() and "线索" in arrival.inner_text()
    with reg.expect_navigation():
        arrival.locator("a").click()
    assert "不是对任何人的认定" in reg.locator("[data-testid=risk-why]").inner_text()
    page_text = reg.content()
    assert not [name for name in villagers if name in page_text]  # counts, no names
    assert not reg.locator("[data-testid=risk-cases]").count()

    reg.select_option("#id_step", "acknowledge")
    with reg.expect_navigation():
        reg.click("[data-testid=risk-step-form] button[type=submit]")
    with translation.override("zh-hans"):
        assert reg.locator("[data-testid=risk-state]").inner_text() == str(WarningState.ACKNOWLEDGED.label)
    # Escalating without the agency is refused with a clear message and changes nothing.
    reg.select_option("#id_step", "escalate")
    reg.fill("#id_note", "二十名村民指向同一无金融牌照公司，疑似非法集资，请核查。")
    with reg.expect_navigation():
        reg.click("[data-testid=risk-step-form] button[type=submit]")
    assert "选择" in reg.locator(".messages").inner_text()
    assert RiskWarning.objects.get(pk=lead.pk).state == WarningState.ACKNOWLEDGED
    reg.select_option("#id_step", "escalate")
    reg.select_option("#id_agency", str(agency.pk))
    reg.fill("#id_note", "二十名村民指向同一无金融牌照公司，疑似非法集资，请核查。")
    with reg.expect_navigation():
        reg.click("[data-testid=risk-step-form] button[type=submit]")
    lead.refresh_from_db()
    assert (lead.state, lead.escalated_to) == (WarningState.ESCALATED, agency)
    steps = reg.locator("[data-testid=risk-steps]").inner_text()
    assert "已确认收到" in steps and "已移交" in steps and "疑似非法集资" in steps
    assert "acknowledge" not in steps and "escalate" not in steps  # the steps in words, not their codes
    assert reg.locator("[data-testid=nav-risk-new]").inner_text() == str(waiting - 1)
    reg.screenshot(path="/tmp/story6-regulator.png", full_page=True)

    phone = new_page(viewport=PHONE_390)
    login(phone, "regulator", PASSWORD)
    assert phone.locator("[data-testid=risk-arrivals]").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="/tmp/story6-regulator-landing-390.png", full_page=True)

    clerk = new_page(viewport=PHONE_390)
    login(clerk, "clerk", PASSWORD)
    clerk.goto(f"/risk/warnings/{lead.pk}/")
    links = clerk.locator("[data-testid=risk-cases] a")
    assert links.count() == 20
    number = links.first.inner_text()
    with clerk.expect_navigation():
        links.first.click()
    assert number in clerk.content()
    assert clerk.evaluate("document.documentElement.scrollWidth") <= 390
    clerk.screenshot(path="/tmp/story6-clerk.png", full_page=True)

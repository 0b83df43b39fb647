"""Issue 4, story "when mediation fails": the bank asks for filing, the clerk files the case without
retyping anything, schedules the hearing, the notice is served, the judge holds it and gives judgment."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.support.judiciary import serve_hearing_notice
from tests.support.world import PASSWORD
from xietong.cases.models import Case
from xietong.cases.services import case_fail_mediation, case_start_mediation
from xietong.judiciary.models import Hearing, Ruling

from .conftest import PHONE
from .conftest import login as login_as


def login(page, username: str) -> None:
    login_as(page, username, PASSWORD)


def test_a_failed_mediation_is_filed_heard_and_tried(live_world, new_page):
    w = live_world
    case = w.cases["bank"]
    case_start_mediation(case=case, actor=w.users["mediator"])
    case_fail_mediation(case=case, actor=w.users["mediator"], note="被申请人拒绝任何还款方案")

    # The bank, the applicant, asks the court to file the case.
    bank = new_page(viewport=PHONE)
    login(bank, "bank")
    bank.goto(f"/cases/{case.pk}/")
    with bank.expect_navigation():
        bank.click("[data-testid=request-filing]")
    assert bank.locator("[data-testid=filing-request]").count() == 1

    # The clerk sees what is carried over and files: a 民初 number, nothing retyped.
    clerk = new_page()
    login(clerk, "clerk")
    clerk.goto("/judiciary/")
    assert clerk.locator("[data-testid=row-filing]").count() == 1
    with clerk.expect_navigation():
        clerk.click("[data-testid=requested]")
    carried = clerk.locator("[data-testid=carried-over]").inner_text()
    assert "黄大明" in carried and "13,000.00" in carried and "被申请人拒绝任何还款方案" in carried
    with clerk.expect_navigation():
        clerk.click("[data-testid=file-submit]")
    assert clerk.locator("[data-testid=case-state]").inner_text() == "已立案"
    assert "民初" in clerk.locator("[data-testid=case-number]").inner_text()

    # The hearing, with its notice sent for service.
    when = timezone.localtime() + dt.timedelta(days=7)
    clerk.fill("[data-testid=hearing-schedule] input[name=starts_at]", when.strftime("%Y-%m-%dT%H:%M"))
    clerk.fill("[data-testid=hearing-schedule] input[name=place]", "第三法庭")
    clerk.select_option("[data-testid=hearing-schedule] select[name=judge]", str(w.users["judge"].pk))
    with clerk.expect_navigation():
        clerk.click("[data-testid=hearing-submit]")
    assert Hearing.objects.filter(case=case, status="scheduled").count() == 1

    # Not served yet: the judge cannot hold the hearing.
    judge = new_page()
    login(judge, "judge")
    judge.goto(f"/cases/{case.pk}/")
    with judge.expect_navigation():
        judge.click("[data-testid=hearing-held]")
    assert judge.locator(".msg.error").count() == 1
    assert Hearing.objects.get(case=case).status == "scheduled"

    serve_hearing_notice(case, w.users["clerk"])  # delivered in person (xietong/service records it)
    judge.goto(f"/cases/{case.pk}/")
    with judge.expect_navigation():
        judge.click("[data-testid=hearing-held]")
    judge.click("[data-testid=outcome-form] summary")
    judge.select_option("[data-testid=outcome-form] select[name=kind]", "judgment")
    judge.fill("[data-testid=outcome-form] textarea[name=summary]", "原告诉请有事实和法律依据，予以支持")
    judge.fill("[data-testid=outcome-form] input[name=amount_awarded]", "13000.00")
    with judge.expect_navigation():
        judge.click("[data-testid=outcome-submit]")
    assert judge.locator("[data-testid=case-state]").inner_text() == "已审结"
    assert judge.locator("[data-testid=ruling-judgment]").count() == 1
    timeline = judge.locator("[data-testid=timeline]").inner_text()
    assert "原告诉请有事实和法律依据" in timeline
    assert Case.objects.get(pk=case.pk).state == "tried"
    assert Ruling.objects.filter(case=case, kind="judgment").exists()

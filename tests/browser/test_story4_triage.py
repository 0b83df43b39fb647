"""Story 4: green/yellow/red disputes sit in their channels; a fast-track small claim closes fast."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.world import PASSWORD
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.models import Case, Category, Team
from xietong.cases.services import PersonParty, case_assign_mediator, case_create
from xietong.triage.demo import rules_seed
from xietong.triage.services import case_auto_triage

from .conftest import PHONE, login

pytestmark = pytest.mark.browser


def dispute(w, *, person, institution, category, product=Product.BUSINESS_LOAN, principal="150000.00"):
    """A dispute as intake opens it: created, then triaged automatically by the rules."""
    case = case_create(
        actor=SYSTEM,
        court=w.court,
        institution=institution,
        product=product,
        door=Door.COUNTER,
        persons=[PersonParty(person=w.persons[person], role=PartyRole.RESPONDENT)],
        principal=Decimal(principal),
        category=category,
    )
    return case_auto_triage(case=case, actor=SYSTEM)


def test_colours_sit_in_their_channels_and_a_small_claim_closes_fast(live_world, new_page):
    w = live_world
    Category.objects.create(name="乡村振兴", code="rural", colour="yellow")
    Category.objects.create(name="青年创业金", code="youth", colour="red")
    rules_seed(actor=SYSTEM)  # the demo's rules and the Rural Commercial Bank's memorandum
    team = Team.objects.create(name="调裁一体团队", kind="integrated", court=w.court)
    cats = {c.code: c for c in Category.objects.all()}
    green = dispute(w, person="other", institution=w.bank, category=cats["eco"])
    yellow = dispute(w, person="villager", institution=w.bank, category=cats["rural"])
    red = dispute(w, person="relative", institution=w.bank, category=cats["youth"])
    small = dispute(
        w,
        person="borrower",
        institution=w.other_bank,
        category=cats["credit-card"],
        product=Product.CREDIT_CARD,
        principal="28000.00",
    )
    assert small.track == "fast"

    clerk = new_page()
    login(clerk, "clerk", PASSWORD)
    clerk.goto("/worklists/")
    assert clerk.locator("[data-testid=count-channel-group_risk]").inner_text() == "1"
    assert clerk.locator("[data-testid=count-colour-red]").inner_text() == "1"
    for channel, case in (("mediable", green), ("hard_to_enforce", yellow), ("group_risk", red)):
        with clerk.expect_navigation():
            clerk.click(f"[data-testid=queue-channel-{channel}]")
        numbers = clerk.locator("[data-testid=worklist-row]").evaluate_all("rows => rows.map(r => r.dataset.case)")
        assert case.number in numbers, (channel, numbers)
        others = {green.number, yellow.number, red.number} - {case.number}
        assert not others & set(numbers), (channel, numbers)

    # The small claim is on the fast track; the clerk hands it to the integrated team from the worklist.
    with clerk.expect_navigation():
        clerk.click("[data-testid=queue-track-fast]")
    numbers = clerk.locator("[data-testid=worklist-row]").evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert numbers == [small.number]
    clerk.check(f"[data-testid=select-{small.pk}]")
    clerk.select_option("[data-testid=assign-team]", str(team.pk))
    with clerk.expect_navigation():
        clerk.click("[data-testid=assign-submit]")
    assert "调裁一体团队" in clerk.locator(".messages").inner_text()
    assert Case.objects.get(pk=small.pk).team == team

    # The case page says why: the memorandum put it on the fast track.
    clerk.goto(f"/cases/{small.pk}/")
    why = clerk.locator("[data-testid=triage-why]").inner_text()
    assert "100000.00" in why and w.other_bank.name in why
    case_assign_mediator(case=small.pk, actor=w.users["clerk"], mediator=w.users["mediator"])
    clerk.reload()
    with clerk.expect_navigation():
        clerk.click("[data-testid=transition-start_mediation]")
    assert clerk.locator("[data-testid=case-state]").inner_text() == "调解中"

    # The mediator drafts the agreement (the form starts from the case's amounts) and sends it; the
    # borrower signs on paper at the counter, the bank's operator online: the case records the agreement.
    mediator = new_page(viewport=PHONE)
    login(mediator, "mediator", PASSWORD)
    mediator.goto(f"/cases/{small.pk}/")
    mediator.on("dialog", lambda dialog: dialog.accept())
    assert mediator.locator("[data-testid=plan-sum]").inner_text() == "28,000.00"  # the live plan preview
    with mediator.expect_navigation():
        mediator.click("[data-testid=agreement-draft-submit]")
    with mediator.expect_navigation():
        mediator.click("[data-testid=agreement-send]")
    with mediator.expect_navigation():
        mediator.click("[data-testid=signature-row] >> nth=0 >> [data-testid=sign-counter]")
    bank = new_page(viewport=PHONE)
    login(bank, "other_bank", PASSWORD)
    bank.goto(f"/cases/{small.pk}/")
    bank.on("dialog", lambda dialog: dialog.accept())
    with bank.expect_navigation():
        bank.click("[data-testid=sign-operator]")
    assert bank.locator("[data-testid=case-state]").inner_text() == "已达成协议"
    assert bank.locator("[data-testid=agreement-hash]").count() == 1
    # The judge reviews the signed agreement against the checklist and confirms it (xietong/judiciary):
    # the 民特 ruling is issued and the case moves on to repayment.
    judge = new_page(viewport=PHONE)
    login(judge, "judge", PASSWORD)
    judge.goto(f"/cases/{small.pk}/")
    for item in ("voluntary", "lawful", "within_jurisdiction", "parties_identified"):
        judge.check(f"[data-testid=check-{item}]")
    with judge.expect_navigation():
        judge.click("[data-testid=confirm]")
    assert judge.locator("[data-testid=case-state]").inner_text() == "履行中"
    assert "民特" in judge.locator("[data-testid=ruling-confirmation]").inner_text()
    # The bank reports the repayment of the whole sum (xietong/repayment): the last fen fulfils the case.
    bank.goto(f"/cases/{small.pk}/")
    bank.fill("#id_amount", "28000.00")
    bank.fill("#id_reference", "FAST-0001")
    with bank.expect_navigation():
        bank.click("[data-testid=payment-submit]")
    assert bank.locator("[data-testid=case-state]").inner_text() == "已履行完毕"

    done = Case.objects.get(pk=small.pk)
    assert done.closed_at is not None and done.age_days <= 30
    clerk.goto("/worklists/?track=fast")
    assert clerk.locator("[data-testid=worklist-row]").count() == 0  # closed cases leave the queues

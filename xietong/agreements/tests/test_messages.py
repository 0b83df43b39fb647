"""The message that an agreement awaits a signature carries the page to open, absolute (PUBLIC_BASE_URL):
the agreement on the case page for a reader with an account, where they can sign it; for a party filed for
without an account, the page that takes the case over with the phone the message reached."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.support.agreements import agreement_make_draft
from xietong.agreements.services import agreement_send
from xietong.audit.services import SYSTEM
from xietong.cases.services import case_assign_mediator, case_start_mediation, case_triage
from xietong.intake.services import case_claim, claim_start

pytestmark = pytest.mark.django_db
BASE = "https://xietong.example.org"
LINK = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def _public(settings):
    settings.PUBLIC_BASE_URL = BASE + "/"


def sent(world, case, outbox, capture) -> tuple[str, str]:
    """Send the case's draft for signing; (the text message, the one link in it)."""
    case_start_mediation(case=case, actor=world.users["mediator"])
    draft = agreement_make_draft(case, world.users["mediator"], send=False)
    outbox.clear()
    with capture(execute=True):
        agreement_send(actor=world.users["mediator"], agreement=draft)
    (sms,) = outbox  # the institution gets none: it signs with one click
    (link,) = LINK.findall(sms.text)
    assert link.startswith(BASE + "/") and "\n" not in link
    return sms, link.removeprefix(BASE)


def test_the_relative_with_an_account_gets_the_agreement_to_sign(world, outbox, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    sms, path = sent(world, case, outbox, django_capture_on_commit_callbacks)
    assert sms.to == world.persons["relative"].phone and case.number in sms.text
    assert path == f"/cases/{case.pk}/#agreement"
    c = Client()
    c.force_login(world.users["party"])
    html = c.get(path).content.decode()
    assert 'id="agreement"' in html and 'data-testid="sign-request-code"' in html  # they can sign it there
    assert Client().get(path).status_code == 302  # anyone else is asked to log in first


def test_a_party_without_an_account_is_sent_to_take_the_case_over_then_signs(
    world, outbox, django_capture_on_commit_callbacks
):
    case = world.cases["station"]  # filed for the villager at a station: no account
    case_triage(case=case, actor=SYSTEM)
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    villager = world.persons["villager"]
    sms, path = sent(world, case, outbox, django_capture_on_commit_callbacks)
    assert sms.to == villager.phone and path == "/claim/"
    assert Client().get(path).status_code == 200  # no login needed
    # The page takes the case over with the phone the message reached; the case page then offers signing.
    with django_capture_on_commit_callbacks(execute=True):
        assert claim_start(number=case.number, phone=sms.to)
    code = re.search(r"\d{6}", outbox[-1].text).group()
    user = case_claim(number=case.number, phone=sms.to, code=code, user=None, password="Longer-Pass-2026")
    c = Client()
    c.force_login(user)
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="sign-request-code"' in html

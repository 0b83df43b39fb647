"""The acknowledgement of an application carries the page to follow the cases on, absolute (PUBLIC_BASE_URL):
"my cases" for an applicant with an account (for themself or for a relative), the public status check by
case number for a party filed for at a station or the counter, who has no account."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from xietong.intake.services import (
    AuthorisationRequest,
    DisputeDetails,
    PartyDetails,
    ServiceAddress,
    citizen_apply,
    staff_file,
)
from xietong.intake.tests.helpers import NEW_ID, pdf
from xietong.notifications.backends import LocmemSmsBackend

pytestmark = pytest.mark.django_db
BASE = "https://xietong.example.org"
LINK = re.compile(r"https?://\S+")
DISPUTE = DisputeDetails(product="credit_card", principal="1000", interest=Decimal("0"), facts="f", wishes=[])


@pytest.fixture(autouse=True)
def _public(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def outbox():
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox


def link_in(text: str) -> str:
    """The one link of a message, absolute, as a path of the platform."""
    (link,) = LINK.findall(text)
    assert link.startswith(BASE + "/")
    return link.removeprefix(BASE)


def apply(world, **kw):
    return citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=DISPUTE,
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=ServiceAddress(address="新罗区中山路1号", phone="13800138000", email="me@example.org"),
        **kw,
    )


@pytest.mark.parametrize("for_relative", [False, True])
def test_an_applicant_with_an_account_is_sent_to_their_cases(
    world, outbox, for_relative, django_capture_on_commit_callbacks
):
    extra = (
        {
            "relative": PartyDetails(name="黄老三", id_number=NEW_ID, phone="13900000005"),
            "authorisation": AuthorisationRequest(relationship="sibling", reason="illness", document=pdf("a.pdf")),
        }
        if for_relative
        else {}
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = apply(world, **extra).application.cases.get()
    (sms,) = outbox
    assert sms.to == (world.persons["relative"].phone if for_relative else "13800138000")
    path = link_in(sms.text)
    assert path == "/my/" and case.number in sms.text
    if not for_relative:
        assert link_in(mail.outbox[-1].body) == path  # the e-mail too
    c = Client()
    c.force_login(world.users["party"])
    page = c.get(path)
    assert page.status_code == 200 and case.number in page.content.decode()


@pytest.mark.parametrize("filer", ["station", "clerk"])
def test_a_party_filed_for_without_an_account_is_sent_to_the_status_check(
    world, outbox, filer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = staff_file(
            user=world.users[filer],
            person=PartyDetails(name="林阿公", id_number=NEW_ID, phone="13900000004"),
            institutions=[world.bank],
            dispute=DISPUTE,
            consent_online_mediation=True,
            consent_electronic_service=False,
            service_address=None,
        ).application.cases.get()
    (sms,) = outbox
    assert sms.to == "13900000004" and case.number in sms.text
    path = link_in(sms.text)
    assert path == "/status/"
    page = Client().get(path)  # no account, no login
    assert page.status_code == 200 and 'name="number"' in page.content.decode()

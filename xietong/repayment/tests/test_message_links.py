"""Every repayment message that leaves by SMS or e-mail links with the platform's public address
(PUBLIC_BASE_URL), never with a bare path: /cases/12/ is useless on a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.support.agreements import agreement_make_signed
from xietong.cases.services import case_start_mediation
from xietong.notifications.backends import LocmemSmsBackend
from xietong.repayment.declarations import declaration_dispute, payment_declare
from xietong.repayment.limitation import limitation_warnings_send
from xietong.repayment.revisions import plan_revision_draft, time_request_create
from xietong.repayment.selectors import limitation_clock, plan_current
from xietong.repayment.services import confirmation_request, repayment_daily

from .conftest import at

BASE = "https://xietong.example.org"
TODAY = timezone.localdate()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200


@pytest.fixture(autouse=True)
def public_base(settings):
    settings.PUBLIC_BASE_URL = BASE + "/"  # a trailing slash is not doubled


def sent(*to: str) -> list[str]:
    """The texts of every message sent so far (SMS and e-mail), to these phones and addresses if any are
    named; all then forgotten."""
    found = [(m.to, m.text) for m in LocmemSmsBackend.outbox] + [(m.to[0], m.body) for m in mail.outbox]
    LocmemSmsBackend.outbox.clear()
    mail.outbox.clear()
    return [text for who, text in found if not to or who in to]


def links(text: str) -> list[str]:
    relative = re.findall(r"(?:^|[\s:：(（])(/[\w-]+/\S*)", text)
    assert not relative, f"a relative link in a message: {text}"
    return re.findall(r"https?://\S+", text)


def the_link(texts: list[str], path: str) -> None:
    assert texts
    for text in texts:
        found = links(text)
        assert found == [BASE + path], text


def with_contacts(world) -> None:
    for key in ("mediator", "judge", "bank"):
        world.users[key].email = f"{key}@example.cn"
        world.users[key].save(update_fields=["email"])


def test_the_debtors_reminders_link_to_their_repayments_page(
    world, performing, outbox, django_capture_on_commit_callbacks
):
    sent()
    due = plan_current(performing).instalments.get(seq=1).due_date
    for day in (due - dt.timedelta(days=3), due):
        with django_capture_on_commit_callbacks(execute=True):
            repayment_daily(now=at(day, 10))
    texts = sent()
    assert len(texts) == 2
    the_link(texts, f"/my/repayments/#plan-{performing.pk}")


def test_requests_proposals_disputes_and_warnings_link_with_the_public_address(
    world, performing, outbox, django_capture_on_commit_callbacks
):
    with_contacts(world)
    sent()
    case_page = f"/cases/{performing.pk}/#repayment"
    with django_capture_on_commit_callbacks(execute=True):
        time_request_create(actor=world.users["party"], case=performing, reason="哥哥住院，收入中断", months=24)
    the_link(sent(), case_page)  # to the mediator, by e-mail and SMS
    with django_capture_on_commit_callbacks(execute=True):
        plan_revision_draft(
            actor=world.users["mediator"], case=performing, months=12, first_due=TODAY + dt.timedelta(days=20)
        )
    the_link(sent(), f"/my/repayments/#plan-{performing.pk}")  # to the debtor
    declared = payment_declare(
        actor=world.users["party"],
        case=performing,
        paid_on=TODAY,
        amount="1000.00",
        voucher=ContentFile(JPEG, name="r.jpg"),
    )
    sent()
    with django_capture_on_commit_callbacks(execute=True):
        declaration_dispute(actor=world.users["bank"], declaration=declared, reason="未收到该笔款项")
    mediator = world.users["mediator"]
    the_link(sent(mediator.email, mediator.phone), case_page)
    ends = limitation_clock(performing).ends
    with django_capture_on_commit_callbacks(execute=True):
        limitation_warnings_send(now=at(ends - dt.timedelta(days=90), 9))
    the_link(sent(), case_page)  # to the creditor


def test_the_request_for_confirmation_links_the_court_to_the_case(world, django_capture_on_commit_callbacks):
    with_contacts(world)
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement_make_signed(case, world.users["mediator"])
    sent()
    with django_capture_on_commit_callbacks(execute=True):
        confirmation_request(actor=world.users["bank"], case=case)
    the_link(sent(), f"/cases/{case.pk}/")

"""Payments the debtor declares with a voucher: checked by content, confirmed or disputed by the creditor,
a dispute settled by the case's mediator; on the timeline and in the audit trail; nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from xietong.audit.models import AuditEntry
from xietong.cases.models import CaseEvent
from xietong.core.errors import DomainError, NotFound
from xietong.repayment.choices import DeclarationStatus, PaymentSource
from xietong.repayment.declarations import (
    declaration_confirm,
    declaration_dispute,
    declaration_settle,
    payment_declare,
)
from xietong.repayment.models import Payment, PaymentDeclaration
from xietong.repayment.selectors import plan_current
from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint

TODAY = timezone.localdate()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
PDF = b"%PDF-1.4 receipt of a transfer\n%%EOF"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def voucher(data: bytes = JPEG, name: str = "receipt.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def counts() -> tuple[int, int, int, int]:
    return (
        PaymentDeclaration.objects.count(),
        Payment.objects.count(),
        CaseEvent.objects.filter(kind__startswith="declaration").count()
        + CaseEvent.objects.filter(kind="payment_declared").count(),
        AuditEntry.objects.filter(action="repayment.declaration").count(),
    )


def declare(world, case, **kw) -> PaymentDeclaration:
    args = {"paid_on": TODAY, "amount": "1000.00", "voucher": ContentFile(JPEG, name="r.jpg")} | kw
    return payment_declare(actor=world.users["party"], case=case, **args)


def test_the_relative_declares_on_the_phone_page_and_the_bank_is_told(world, performing):
    WebhookEndpoint.objects.create(organisation=world.bank, url="https://bank.example/hook", secret="s" * 32)
    party = Client()
    party.force_login(world.users["party"])  # the borrower's brother, acting under his authorisation
    url = f"/cases/{performing.pk}/repayment/declarations/"
    body = {"paid_on": TODAY.isoformat(), "amount": "1000.00", "note": "转账", "voucher": voucher()}
    resp = party.post(url, body)
    assert resp.status_code == 302 and resp["Location"].startswith("/my/repayments/")
    d = PaymentDeclaration.objects.get()
    assert (d.status, d.amount, d.voucher_type) == (DeclarationStatus.DECLARED, Decimal("1000.00"), "jpeg")
    assert plan_current(performing).paid == 0  # nothing is paid until the creditor confirms
    assert CaseEvent.objects.filter(case=performing, kind="payment_declared").count() == 1
    assert WebhookDelivery.objects.filter(event_type="payment.declared").count() == 1
    # a double submit: the same declaration
    party.post(url, {**body, "voucher": voucher()})
    assert PaymentDeclaration.objects.count() == 1
    page = party.get("/my/repayments/").content.decode()
    assert 'data-testid="my-declaration"' in page and "等待债权人确认" in page


def test_an_exe_renamed_jpg_and_bad_amounts_are_refused_and_change_nothing(world, performing):
    before = counts()
    with pytest.raises(DomainError) as exc:
        declare(world, performing, voucher=ContentFile(EXE, name="receipt.jpg"))
    assert exc.value.code == "file_type" and "receipt.jpg" in str(exc.value.message)
    for amount, code in (("0", "amount_not_positive"), ("-1", "amount_negative"), ("99999.00", "amount_above_balance")):
        with pytest.raises(DomainError) as exc:
            declare(world, performing, amount=amount)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        declare(world, performing, paid_on=TODAY + dt.timedelta(days=1))
    assert exc.value.code == "paid_on_future"
    assert counts() == before
    # on the page: the message says the content was checked
    party = Client()
    party.force_login(world.users["party"])
    resp = party.post(
        f"/cases/{performing.pk}/repayment/declarations/",
        {"paid_on": TODAY.isoformat(), "amount": "100", "voucher": voucher(EXE, "photo.jpg")},
        follow=True,
    )
    assert "不是 PDF、JPG 或 PNG 文件" in resp.content.decode()
    assert counts() == before


def test_who_may_declare_and_answer(world, performing):
    with pytest.raises(NotFound):
        payment_declare(
            actor=world.users["stranger"], case=performing, paid_on=TODAY, amount="1", voucher=ContentFile(JPEG)
        )
    with pytest.raises(DomainError) as exc:
        payment_declare(
            actor=world.users["bank"], case=performing, paid_on=TODAY, amount="1", voucher=ContentFile(JPEG)
        )
    assert exc.value.code == "role"
    d = declare(world, performing)
    with pytest.raises(NotFound):
        declaration_confirm(actor=world.users["other_bank"], declaration=d)
    with pytest.raises(DomainError) as exc:
        declaration_confirm(actor=world.users["party"], declaration=d)
    assert exc.value.code == "role"
    with pytest.raises(DomainError) as exc:
        declaration_settle(actor=world.users["mediator"], declaration=d, outcome="paid", note="x")
    assert exc.value.code == "not_disputed"
    other = Client()
    other.force_login(world.users["other_bank"])
    assert other.get(f"/cases/{performing.pk}/repayment/declarations/{d.pk}/voucher/").status_code == 404
    assert other.post(f"/cases/{performing.pk}/repayment/declarations/{d.pk}/confirm/").status_code == 404
    regulator = Client()
    regulator.force_login(world.users["regulator"])
    assert regulator.get(f"/cases/{performing.pk}/repayment/declarations/{d.pk}/voucher/").status_code in (403, 404)


def test_the_creditor_confirms_and_the_payment_is_allocated(world, performing, django_capture_on_commit_callbacks):
    from xietong.notifications.backends import LocmemSmsBackend

    LocmemSmsBackend.outbox.clear()
    d = declare(world, performing, amount="5000.00")
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="declaration-confirm"' in page
    voucher_resp = bank.get(f"/cases/{performing.pk}/repayment/declarations/{d.pk}/voucher/")
    assert voucher_resp.status_code == 200 and b"".join(voucher_resp.streaming_content) == JPEG
    assert AuditEntry.objects.filter(action="attachment.view", object_id=str(d.pk)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        resp = bank.post(f"/cases/{performing.pk}/repayment/declarations/{d.pk}/confirm/", {"reference": "CORE-77"})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == DeclarationStatus.CONFIRMED and d.payment is not None
    assert (d.payment.source, d.payment.reference) == (PaymentSource.DECLARED, "CORE-77")
    assert d.payment.allocation == [{"seq": 1, "amount": "4266.83"}, {"seq": 2, "amount": "733.17"}]
    assert plan_current(performing).paid == Decimal("5000.00")
    assert any("5000.00" in m.text for m in LocmemSmsBackend.outbox)
    before = counts()
    assert declaration_confirm(actor=world.users["bank"], declaration=d).pk == d.pk  # a double click
    with pytest.raises(DomainError):
        declaration_dispute(actor=world.users["bank"], declaration=d, reason="late second thoughts")
    assert counts() == before


def test_a_dispute_goes_to_the_mediator_who_settles_it(world, performing, django_capture_on_commit_callbacks):
    mediator = world.users["mediator"]
    mediator.email = "mediator@example.cn"
    mediator.save(update_fields=["email"])
    d = declare(world, performing, amount="2000.00")
    with pytest.raises(DomainError) as exc:
        declaration_dispute(actor=world.users["bank"], declaration=d, reason="  ")
    assert exc.value.code == "note_required"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declaration_dispute(actor=world.users["bank"], declaration=d, reason="未收到该笔款项")
    d.refresh_from_db()
    assert d.status == DeclarationStatus.DISPUTED and d.dispute_reason == "未收到该笔款项"
    assert [m.to for m in mail.outbox] == [["mediator@example.cn"]]
    assert f"/cases/{performing.pk}/" in mail.outbox[0].body
    # the mediator sees it waiting on the repayments page, and on the case
    m = Client()
    m.force_login(mediator)
    page = m.get("/repayment/").content.decode()
    assert 'data-testid="waiting-declaration-disputed"' in page and performing.number in page
    assert 'data-testid="declaration-settle"' in m.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="waiting-declaration' not in _page(world.users["other_mediator"], "/repayment/")
    with pytest.raises(DomainError) as exc:
        declaration_settle(actor=world.users["bank"], declaration=d, outcome="paid", note="x")
    assert exc.value.code == "role"
    resp = m.post(
        f"/cases/{performing.pk}/repayment/declarations/{d.pk}/settle/",
        {"outcome": "paid", "amount": "1500.00", "note": "双方核对银行流水，实际到账1500元"},
    )
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.status == DeclarationStatus.SETTLED_PAID and d.payment.amount == Decimal("1500.00")
    assert d.payment.source == PaymentSource.MEDIATION
    assert plan_current(performing).paid == Decimal("1500.00")
    kinds = list(CaseEvent.objects.filter(case=performing).values_list("kind", flat=True))
    assert {"payment_declared", "declaration_disputed", "declaration_settled", "payment_reported"} <= set(kinds)


def test_a_dispute_settled_as_not_paid_records_nothing(world, performing):
    d = declare(world, performing)
    declaration_dispute(actor=world.users["bank"], declaration=d, reason="凭证系伪造")
    settled = declaration_settle(actor=world.users["clerk"], declaration=d, outcome="not_paid", note="凭证无法核实")
    assert settled.status == DeclarationStatus.SETTLED_UNPAID and settled.payment is None
    assert not Payment.objects.exists()


def _page(user, url: str) -> str:
    c = Client()
    c.force_login(user)
    return c.get(url).content.decode()


def test_a_relative_whose_authorisation_was_revoked_can_no_longer_declare(world, performing):
    from xietong.parties.models import Authorisation

    Authorisation.objects.filter(agent=world.persons["relative"]).update(revoked_at=timezone.now())
    with pytest.raises(NotFound):
        declare(world, performing)
    assert not PaymentDeclaration.objects.exists()

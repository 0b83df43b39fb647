"""The words of the demo region: facts, claims and notes as a clerk, a bank or a mediator would write them."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from xietong.cases.choices import Product

from .data import BUSINESS_PURPOSES, CONSUMER_PURPOSES

# Words ----------------------------------------------------------------------------------------


def yuan(value: Decimal) -> str:
    return f"{value:.2f}元"


def ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def ym(d: dt.date) -> str:
    return f"{d.year}年{d.month}月"


def facts_text(
    rng: random.Random,
    *,
    product: str,
    colour: str,
    bank: str,
    debtor: str,
    guarantor: str | None,
    amounts: tuple[Decimal, Decimal, Decimal],
    filed: dt.date,
) -> str:
    principal, interest, penalty = amounts
    overdue = filed - dt.timedelta(days=rng.randint(90, 540))
    since = overdue - dt.timedelta(days=rng.randint(365, 1800))
    owed = f"尚欠本金{yuan(principal)}、利息{yuan(interest)}、违约金{yuan(penalty)}"
    if product == Product.CREDIT_CARD:
        return (
            f"{debtor}于{ym(since)}向{bank}申领信用卡一张，自{ym(overdue)}起未按期还款，"
            f"截至{ymd(filed)}{owed}，经多次催收未还。"
        )
    if product == Product.CONSUMER_LOAN:
        purpose = rng.choice(CONSUMER_PURPOSES)
        return (
            f"{debtor}于{ymd(since)}向{bank}借款用于{purpose}，约定按月等额还款，自{ym(overdue)}起未按约还款，{owed}。"
        )
    if product == Product.MORTGAGE:
        return f"{debtor}于{ymd(since)}向{bank}办理个人住房按揭贷款，自{ym(overdue)}起连续逾期，{owed}。"
    if product in (Product.BUSINESS_LOAN, Product.GUARANTEE):
        name, purpose = rng.choice(BUSINESS_PURPOSES[colour])
        text = f"{debtor}于{ymd(since)}向{bank}申请{name}用于{purpose}，自{ym(overdue)}起未按约还款，{owed}。"
        if guarantor:
            text += f"{guarantor}为该笔贷款提供连带责任保证。"
        return text
    return f"{debtor}向{bank}借款，自{ym(overdue)}起未按约还款，{owed}。"


def claims_text(
    *,
    bank_applies: bool,
    bank: str,
    debtor: str,
    guarantor: str | None,
    total: Decimal,
    amounts: tuple[Decimal, Decimal, Decimal],
) -> str:
    if not bank_applies:
        return f"请求与{bank}协商分期还款方案，并减免部分利息及违约金。"
    principal, interest, penalty = amounts
    text = f"请求{debtor}偿还本金{yuan(principal)}、利息{yuan(interest)}、违约金{yuan(penalty)}，合计{yuan(total)}"
    if guarantor:
        text += f"；{guarantor}承担连带清偿责任"
    return text + "。"


def agreement_note(total: Decimal, penalty: Decimal, months: int, *, bank_applies: bool) -> Callable[[], str]:
    debtor, bank = ("被申请人", "申请人") if bank_applies else ("申请人", "被申请人")
    pay = total - penalty
    monthly = (pay / months).quantize(Decimal("0.01"))

    def note() -> str:
        today = timezone.localdate()
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=20)
        if months == 1:
            return f"双方达成调解协议：{debtor}于{ymd(first)}前一次性偿还{yuan(pay)}，{bank}免除违约金{yuan(penalty)}。"
        return (
            f"双方达成调解协议：{bank}免除违约金{yuan(penalty)}；{debtor}自{ym(first)}起分{months}期偿还"
            f"{yuan(pay)}，每月20日前还款约{yuan(monthly)}；任何一期逾期未还，{bank}可就全部未还款项申请强制执行。"
        )

    return note


def judgment_note(total: Decimal) -> str:
    return f"判决被告于判决生效之日起十日内偿还原告借款本息合计{yuan(total)}，案件受理费由被告负担。"


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF with one line of ASCII text: the scanned authorisation's stand-in."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)

"""The creditor's payments file: checked row by row like a report on the page, previewed, recorded all or
nothing; another bank's case, an unknown case, a closed plan, a bad amount or date: row errors, nothing written."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.world import more_cases
from xietong.audit.models import AuditEntry
from xietong.cases.models import CaseEvent
from xietong.core.errors import DomainError
from xietong.repayment.choices import PaymentFileStatus, PaymentSource
from xietong.repayment.models import Payment, PaymentFile
from xietong.repayment.payment_files import payment_file_apply, payment_file_upload
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import payment_report

from .conftest import make_performing

TODAY = timezone.localdate()
HEADER = "案号,还款日期,还款金额（元）,交易流水号"


def csv_bytes(*rows: str, title: bool = True) -> bytes:
    lines = (["邮储银行龙岩市分行 还款明细（2026年3月）", ""] if title else []) + [HEADER, *rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def counts() -> tuple[int, int, int]:
    return (
        Payment.objects.count(),
        CaseEvent.objects.filter(kind="payment_reported").count(),
        AuditEntry.objects.filter(action="repayment.payment").count(),
    )


@pytest.fixture
def two(world, django_capture_on_commit_callbacks):
    """Two of the bank's cases being repaid: 12,800.50 and 5,000 yuan, in three instalments each."""
    extra = more_cases(world, 2)
    world.extra["spare"] = extra[1]
    a = make_performing(world, world.cases["bank"], django_capture_on_commit_callbacks)
    b = make_performing(world, extra[0], django_capture_on_commit_callbacks)
    return a, b


def test_a_file_across_two_cases_is_checked_previewed_and_recorded_once(world, two):
    a, b = two
    bank = world.users["bank"]
    data = csv_bytes(
        f'{a.number},{TODAY.isoformat()},"5,000.00",F-1',
        f"{b.number},{TODAY:%Y/%-m/%-d},1200,F-2",
        f"{a.number},{TODAY:%Y年%-m月%-d日},¥800.50,F-3",
    )
    pf = payment_file_upload(actor=bank, data=data, name="三月还款.csv")
    assert pf.status == PaymentFileStatus.CHECKED and (pf.row_count, pf.error_count) == (3, 0)
    assert pf.total_amount == Decimal("7000.50")
    assert [r["number"] for r in pf.rows] == [4, 5, 6]  # the title and the blank row above the header
    assert Payment.objects.count() == 0  # checked, nothing recorded yet

    c = Client()
    c.force_login(bank)
    page = c.get(f"/repayment/files/{pf.pk}/").content.decode()
    assert 'data-testid="payment-file-apply"' in page and a.number in page and "F-2" in page

    done = payment_file_apply(actor=bank, payment_file=pf)
    assert done.status == PaymentFileStatus.APPLIED
    assert plan_current(a).paid == Decimal("5800.50") and plan_current(b).paid == Decimal("1200.00")
    assert set(Payment.objects.values_list("source", flat=True)) == {PaymentSource.FILE}
    assert Payment.objects.filter(payment_file=pf).count() == 3
    before = counts()
    assert payment_file_apply(actor=bank, payment_file=pf).status == PaymentFileStatus.APPLIED  # a double click
    assert counts() == before
    # the same file again: every reference is already recorded
    again = payment_file_upload(actor=bank, data=data, name="三月还款.csv")
    assert again.status == PaymentFileStatus.REFUSED and again.error_count == 3
    assert {e["code"] for r in again.rows for e in r["errors"]} == {"payment_duplicate"}


def test_bad_rows_are_each_refused_and_nothing_is_written(world, two, django_capture_on_commit_callbacks):
    a, b = two
    bank = world.users["bank"]
    theirs = make_performing(world, world.cases["other_bank"], django_capture_on_commit_callbacks)
    # a closed plan: repaid in full, the case fulfilled
    closed = make_performing(world, world.extra["spare"], django_capture_on_commit_callbacks)
    payment_report(actor=bank, case=closed, paid_on=TODAY, amount=plan_current(closed).balance, reference="ALL")
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    rows = [
        f"{theirs.number},{TODAY},100,R-1",  # another bank's case
        f"（2026）闽0802民特999号,{TODAY},100,R-2",  # no such case
        f"{closed.number},{TODAY},100,R-3",  # the plan is closed
        f"{a.number},{TODAY},0,R-4",
        f"{a.number},{TODAY},-1,R-5",
        f"{a.number},{TODAY},1.001,R-6",
        f"{a.number},{TODAY},abc,R-7",
        f"{a.number},{future},100,R-8",
        f"{a.number},2026-13-45,100,R-9",
        f"{a.number},{TODAY},100,",
        f"{a.number},{TODAY},100,R-11",
        f"{a.number},{TODAY},100,R-11",  # the same reference twice for one case
        f"{b.number},{TODAY},4500,R-13",
        f"{b.number},{TODAY},500.01,R-14",  # above what the rows above left of the balance
    ]
    before = counts()
    pf = payment_file_upload(actor=bank, data=csv_bytes(*rows), name="bad.csv")
    assert pf.status == PaymentFileStatus.REFUSED
    codes = {r["number"]: [e["code"] for e in r["errors"]] for r in pf.rows}
    assert codes == {
        4: ["case_unknown"],
        5: ["case_unknown"],
        6: ["plan_closed"],
        7: ["amount_not_positive"],
        8: ["amount_negative"],
        9: ["amount_cents"],
        10: ["amount_format"],
        11: ["date_future"],
        12: ["date_format"],
        13: ["required"],
        14: [],
        15: ["reference_repeated"],
        16: [],
        17: ["amount_above_balance"],
    }
    assert pf.error_count == 12
    with pytest.raises(DomainError) as exc:
        payment_file_apply(actor=bank, payment_file=pf)
    assert exc.value.code == "file_refused"
    assert counts() == before
    # the reasons, in the reader's language, with the error report; another bank's case named like an unknown one
    c = Client()
    c.force_login(bank)
    page = c.get(f"/repayment/files/{pf.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您机构没有案号为" in page and theirs.number in page
    assert 'data-testid="payment-file-apply"' not in page
    report = c.get(f"/repayment/files/{pf.pk}/errors.xlsx")
    assert report.status_code == 200 and report.content.startswith(b"PK")
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(report.content)).get_sheet_by_index(0).to_python()
    assert len(sheet) == 1 + 12 and sheet[1][0] == 4


def test_a_plan_that_changed_since_the_check_records_nothing(world, two):
    a, b = two
    bank = world.users["bank"]
    pf = payment_file_upload(
        actor=bank, data=csv_bytes(f"{b.number},{TODAY},500,OK-1", f"{a.number},{TODAY},12800.50,OK-2"), name="p.csv"
    )
    assert pf.status == PaymentFileStatus.CHECKED
    payment_report(actor=bank, case=a, paid_on=TODAY, amount="1.00", reference="MEANWHILE")
    before = counts()
    done = payment_file_apply(actor=bank, payment_file=pf)
    assert done.status == PaymentFileStatus.REFUSED
    assert counts() == before  # the first row was undone with the second
    assert plan_current(b).paid == 0
    (row,) = [r for r in done.rows if r["errors"]]
    assert row["number"] == 5 and row["errors"][0]["code"] == "amount_above_balance"


def test_an_xlsx_file_with_a_merged_title_and_english_headers(world, two):
    from openpyxl import Workbook

    a, _b = two
    wb = Workbook()
    ws = wb.active
    ws.append(["Repayments March"])
    ws.merge_cells("A1:D1")
    ws.append(["Case number", "Paid on", "Amount", "Reference"])
    ws.append([a.number, TODAY, 1500.5, "X-1"])
    out = io.BytesIO()
    wb.save(out)
    pf = payment_file_upload(actor=world.users["bank"], data=out.getvalue(), name="march.xlsx")
    assert pf.status == PaymentFileStatus.CHECKED, pf.rows
    assert pf.rows[0]["data"]["amount"] == "1500.50" and pf.rows[0]["data"]["paid_on"] == TODAY.isoformat()


def test_a_file_that_cannot_be_read_or_lacks_a_column_is_refused_whole(world, two):
    bank = world.users["bank"]
    with pytest.raises(DomainError) as exc:
        payment_file_upload(actor=bank, data=b"\x00\x01MZ-not-a-sheet" * 10, name="evil.csv")
    assert exc.value.code == "not_text"
    with pytest.raises(DomainError) as exc:
        payment_file_upload(actor=bank, data="案号,还款日期\nA,2026-01-01\n".encode(), name="short.csv")
    assert exc.value.code == "columns_missing" and "交易流水号" in str(exc.value.message)
    assert not PaymentFile.objects.exists()


def test_only_the_institutions_operators_and_never_another_banks_file(world, two):
    a, _b = two
    pf = payment_file_upload(actor=world.users["bank"], data=csv_bytes(f"{a.number},{TODAY},10,Z-1"), name="z.csv")
    other = Client()
    other.force_login(world.users["other_bank"])
    assert other.get(f"/repayment/files/{pf.pk}/").status_code == 404
    assert other.get(f"/repayment/files/{pf.pk}/errors.xlsx").status_code == 404
    assert other.post(f"/repayment/files/{pf.pk}/record/").status_code == 404
    assert f"#{pf.pk} z.csv" not in other.get("/repayment/files/").content.decode()
    with pytest.raises(DomainError):
        payment_file_apply(actor=world.users["other_bank"], payment_file=pf)
    clerk = Client()
    clerk.force_login(world.users["clerk"])
    assert clerk.get("/repayment/files/").status_code == 403
    assert Payment.objects.count() == 0
    # the bank's operator uploads through the page and records through the page
    bank = Client()
    bank.force_login(world.users["bank"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = bank.post(
        "/repayment/files/", {"file": SimpleUploadedFile("p.csv", csv_bytes(f"{a.number},{TODAY},10,Z-2"))}
    )
    assert resp.status_code == 302
    new = PaymentFile.objects.latest("pk")
    resp = bank.post(f"/repayment/files/{new.pk}/record/", follow=True)
    assert "1 笔还款" in resp.content.decode() or "已记录" in resp.content.decode()
    assert Payment.objects.filter(reference="Z-2").count() == 1

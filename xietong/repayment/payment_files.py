"""A creditor's payments file: many payments across its cases in one CSV or XLSX file.

Read like a batch file (`xietong.batches.reader`: the header row found among title rows, formulas,
zip bombs and merged headers refused), every row checked like a payment reported on the page, a
preview and an XLSX error report; then recorded all or nothing, in one transaction: a row refused
then (the plan changed meanwhile) and nothing is recorded.

A row names the case by any of its numbers (the 诉前调 number, the 民特 ruling's, the 民初 judgment's);
a case that is not the uploading institution's own reads exactly like a case that does not exist.
Error messages are stored as their English source text with parameters and translated when shown.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xietong.accounts.models import ApiClient, User
from xietong.audit.choices import AuditAction
from xietong.audit.services import actor_ref, audit_record
from xietong.batches.checking import FieldError, check_date, error_text
from xietong.batches.columns import header_key
from xietong.batches.reader import read_sheet
from xietong.cases.choices import CaseState
from xietong.cases.models import CaseNumber
from xietong.cases.services import case_lock
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.spreadsheets import xlsx_row
from xietong.documents.render import sha256
from xietong.intake.validators import parse_amount

from .choices import OPEN_PLAN_STATUSES, PaymentFileStatus, PaymentSource
from .models import Payment, PaymentFile, RepaymentPlan

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_ROWS = 5_000  # a day's or a month's payments of one institution; recorded in one transaction


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Chinese header
    label_en: str
    aliases: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column("case_number", "案号", gettext_noop("Case number"), ("案件编号", "case number", "case_number")),
    Column("paid_on", "还款日期", gettext_noop("Paid on"), ("还款日", "入账日期", "paid on", "paid_on", "date")),
    Column(
        "amount",
        "还款金额（元）",
        gettext_noop("Amount (yuan)"),
        ("还款金额", "金额（元）", "金额", "入账金额", "amount"),
    ),
    Column(
        "reference",
        "交易流水号",
        gettext_noop("Your reference"),
        ("流水号", "交易参考号", "业务参考号", "参考号", "reference"),
    ),
)
KNOWN: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.header, _c.header.split("（")[0], _c.label_en, *_c.aliases):
        KNOWN[header_key(_name)] = _c.key


def header_label(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


# Reading and checking (no writes) -----------------------------------------------------------------


@dataclass
class FileRow:
    number: int  # the row number in the file (the header's row + 1 for the first)
    raw: dict[str, str]
    data: dict[str, Any]
    errors: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "raw": self.raw, "data": self.data, "errors": self.errors}


def _error(key: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"column": header_label(key), "field": key, "code": code, "message": message, "params": params}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_payments(data: bytes, *, name: str) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, Any]]:
    """The file's data rows as (row number, {field: cell}) and what was read. Raises ValidationError."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is %(size)s; a payments file may be at most %(max)s. Split it into several files.")
            % {"size": filesizeformat(len(data)), "max": filesizeformat(MAX_FILE_BYTES)},
            code="too_large",
        )
    sheet = read_sheet(data, name=name, known=KNOWN)
    columns: dict[str, int] = {}
    for index, header in enumerate(sheet.headers):
        key = KNOWN.get(header_key(header))
        if key is not None and key not in columns:
            columns[key] = index
    missing = [c.header for c in COLUMNS if c.key not in columns]
    if missing:
        raise ValidationError(
            _("The file has no column %(columns)s. Its header row needs: %(all)s.")
            % {"columns": "、".join(missing), "all": "、".join(c.header for c in COLUMNS)},
            code="columns_missing",
        )
    if len(sheet.rows) > MAX_FILE_ROWS:
        raise ValidationError(
            _("The file has %(n)s rows; a payments file may have at most %(max)s. Split it into several files.")
            % {"n": f"{len(sheet.rows):,}", "max": f"{MAX_FILE_ROWS:,}"},
            code="too_many_rows",
        )
    rows = []
    for number, cells in sheet.rows:
        row = {key: (cells[i] if i < len(cells) else None) for key, i in columns.items()}
        rows.append((number, row))
    return rows, {"format": sheet.format, "encoding": sheet.encoding, "header_row": sheet.header_row}


def _creditor_cases(institution_id: int, numbers: set[str]) -> dict[str, int]:
    """Case number → case id, for the numbers (any number a case ever had) of the institution's own cases."""
    found: dict[str, int] = {}
    rows = CaseNumber.objects.filter(text__in=numbers, case__institution_id=institution_id).values_list(
        "text", "case_id"
    )
    for text, case_id in rows:
        found.setdefault(text, case_id)
    return found


def check_payment_rows(rows: list[tuple[int, dict[str, Any]]], *, institution_id: int, today: dt.date) -> list[FileRow]:
    """Each row checked as a payment report would be, against the plans as they stand now."""
    checked: list[FileRow] = []
    numbers = {_cell(r.get("case_number")).replace(" ", "") for _n, r in rows}
    cases = _creditor_cases(institution_id, numbers - {""})
    plans = {
        p.case_id: p
        for p in RepaymentPlan.objects.filter(case_id__in=set(cases.values()))
        .exclude(status="superseded")
        .select_related("case")
    }
    recorded = set(Payment.objects.filter(case_id__in=set(cases.values())).values_list("case_id", "reference"))
    seen_refs: dict[tuple[int, str], int] = {}
    taken: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))  # earlier rows' amounts, per case
    for number, row in rows:
        raw = {k: _cell(v) for k, v in row.items()}
        errors: list[dict[str, Any]] = []
        data: dict[str, Any] = {}
        text = raw.get("case_number", "").replace(" ", "")
        case_id = cases.get(text)
        if not text:
            errors.append(_error("case_number", "required", gettext_noop("Required.")))
        elif case_id is None:
            errors.append(
                _error(
                    "case_number",
                    "case_unknown",
                    gettext_noop("No case of your institution has the number %(number)s."),
                    number=text,
                )
            )
        try:
            data["paid_on"] = check_date(row.get("paid_on"), today=today)
        except FieldError as e:
            errors.append(_error("paid_on", e.code, e.message, **e.params))
        amount: Decimal | None = None
        try:
            amount = parse_amount(row.get("amount"))
        except ValidationError as e:
            with translation.override("en"):  # stored as the source text, translated when shown
                message = str(e.messages[0])
            errors.append(_error("amount", e.code or "amount", message))
        else:
            if not raw.get("amount"):
                errors.append(_error("amount", "required", gettext_noop("Required.")))
                amount = None
            elif amount <= 0:
                errors.append(
                    _error("amount", "amount_not_positive", gettext_noop("A payment must be more than zero."))
                )
                amount = None
            else:
                data["amount"] = str(amount)
        reference = raw.get("reference", "")
        if not reference:
            errors.append(_error("reference", "required", gettext_noop("Required.")))
        elif len(reference) > 64:
            errors.append(
                _error("reference", "reference_too_long", gettext_noop("The reference has at most 64 characters."))
            )
        else:
            data["reference"] = reference
        if case_id is not None:
            data["case_id"] = case_id
            plan = plans.get(case_id)
            data["case_number"] = plan.case.number if plan else text
            if plan is None:
                errors.append(_error("case_number", "no_plan", gettext_noop("The case has no repayment plan.")))
            elif plan.status not in OPEN_PLAN_STATUSES or plan.case.state != CaseState.PERFORMING:
                errors.append(
                    _error(
                        "case_number",
                        "plan_closed",
                        gettext_noop(
                            "The repayment plan of %(number)s is closed: no more payments are recorded on it."
                        ),
                        number=plan.case.number or text,
                    )
                )
            else:
                if "paid_on" in data:
                    earliest = timezone.localdate(plan.created_at) - dt.timedelta(days=366)
                    if dt.date.fromisoformat(data["paid_on"]) < earliest:
                        errors.append(
                            _error(
                                "paid_on",
                                "paid_on_too_early",
                                gettext_noop("The payment date is long before the plan."),
                            )
                        )
                if amount is not None:
                    left = plan.balance - taken[case_id]
                    if amount > left:
                        errors.append(
                            _error(
                                "amount",
                                "amount_above_balance",
                                gettext_noop(
                                    "%(amount)s yuan is more than the balance outstanding (%(balance)s yuan, "
                                    "after the rows above)."
                                ),
                                amount=str(amount),
                                balance=str(left),
                            )
                        )
                    else:
                        taken[case_id] += amount
            if "reference" in data:
                key = (case_id, reference)
                if key in recorded:
                    errors.append(
                        _error(
                            "reference",
                            "payment_duplicate",
                            gettext_noop("A payment with the reference %(ref)s is already recorded on this case."),
                            ref=reference,
                        )
                    )
                elif key in seen_refs:
                    errors.append(
                        _error(
                            "reference",
                            "reference_repeated",
                            gettext_noop("The reference %(ref)s is already on row %(row)s for this case."),
                            ref=reference,
                            row=seen_refs[key],
                        )
                    )
                else:
                    seen_refs[key] = number
        checked.append(FileRow(number=number, raw=raw, data=data if not errors else {}, errors=errors))
    return checked


# Writes -------------------------------------------------------------------------------------------


def _institution_of(actor: Any) -> int:
    from .selectors import may_use_payment_files

    if not may_use_payment_files(actor):
        raise NotAllowed(_("Only an institution's operators and systems report payments."), code="not_creditor")
    return int(actor.organisation_id)


@transaction.atomic
def payment_file_upload(*, actor: Any, data: bytes, name: str, today: dt.date | None = None) -> PaymentFile:
    """Read and check a payments file of the actor's institution: stored with its rows, nothing recorded
    yet. A file that cannot be read at all raises DomainError (code from the reader)."""
    institution_id = _institution_of(actor)
    today = today or timezone.localdate()
    name = (name or "payments").rsplit("/", 1)[-1][:255]
    try:
        rows, meta = read_payments(data, name=name)
    except ValidationError as e:
        raise DomainError(" ".join(str(m) for m in e.messages), code=e.code or "file") from None
    checked = check_payment_rows(rows, institution_id=institution_id, today=today)
    errors = sum(1 for r in checked if r.errors)
    total = sum((Decimal(r.data["amount"]) for r in checked if "amount" in r.data), Decimal("0.00"))
    pf = PaymentFile(
        institution_id=institution_id,
        uploaded_by=actor if isinstance(actor, User) else None,
        api_client=actor if isinstance(actor, ApiClient) else None,
        uploaded_by_label=actor_ref(actor).label[:200],
        original_name=name,
        source_format=meta["format"],
        size=len(data),
        sha256=sha256(data),
        status=PaymentFileStatus.REFUSED if errors else PaymentFileStatus.CHECKED,
        row_count=len(checked),
        error_count=errors,
        total_amount=total,
        rows=[r.as_json() for r in checked],
    )
    pf.file.save(f"payments-{institution_id}-{pf.sha256[:12]}.{meta['format']}", ContentFile(data), save=False)
    pf.save()
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_FILE,
        obj=pf,
        after={
            "file": name,
            "sha256": pf.sha256,
            "rows": pf.row_count,
            "errors": errors,
            "total": total,
            "status": pf.status,
        },
    )
    return pf


def payment_file_apply(*, actor: Any, payment_file: PaymentFile | int, today: dt.date | None = None) -> PaymentFile:
    """Record every payment of a checked file, all or nothing. A second call on a recorded file returns
    it unchanged. A row refused now (a plan changed since the check) records nothing: the file is
    marked refused with that row's reason."""
    institution_id = _institution_of(actor)
    pk = payment_file.pk if isinstance(payment_file, PaymentFile) else payment_file
    failure: tuple[int, DomainError] | None = None
    try:
        with transaction.atomic():
            pf = PaymentFile.objects.select_for_update().filter(pk=pk, institution_id=institution_id).first()
            if pf is None:
                raise NotFound(_("No such payments file."))
            if pf.status == PaymentFileStatus.APPLIED:
                return pf  # a double click: recorded once
            if pf.status != PaymentFileStatus.CHECKED:
                raise DomainError(
                    _(
                        "This file has rows with errors: nothing can be recorded from it. Correct them and upload again."
                    ),
                    code="file_refused",
                )
            count = _apply_rows(actor, pf, today or timezone.localdate())
            if isinstance(count, tuple):
                failure = count
                raise _Rollback
            pf.status = PaymentFileStatus.APPLIED
            pf.applied_at = timezone.now()
            pf.applied_by_label = actor_ref(actor).label[:200]
            pf.save(update_fields=["status", "applied_at", "applied_by_label"])
            audit_record(
                actor=actor,
                action=AuditAction.REPAYMENT_FILE,
                obj=pf,
                before={"status": PaymentFileStatus.CHECKED},
                after={"status": PaymentFileStatus.APPLIED, "payments": count, "total": pf.total_amount},
            )
            return pf
    except _Rollback:
        pass
    assert failure is not None
    number, exc = failure
    with transaction.atomic():
        pf = PaymentFile.objects.select_for_update().get(pk=pk)
        rows = list(pf.rows)
        for row in rows:
            if row["number"] == number:
                row["errors"] = [
                    {"column": "", "field": "", "code": exc.code, "message": str(exc.message), "params": {}}
                ]
                row["data"] = {}
        pf.rows = rows
        pf.status = PaymentFileStatus.REFUSED
        pf.error_count = sum(1 for r in rows if r["errors"])
        pf.save(update_fields=["rows", "status", "error_count"])
        audit_record(
            actor=actor,
            action=AuditAction.REPAYMENT_FILE,
            obj=pf,
            before={"status": PaymentFileStatus.CHECKED},
            after={"status": PaymentFileStatus.REFUSED, "row": number, "code": exc.code},
        )
    return pf


class _Rollback(Exception):
    """Leaves the all-or-nothing transaction, undoing every payment recorded in it."""


def _apply_rows(actor: Any, pf: PaymentFile, today: dt.date) -> int | tuple[int, DomainError]:
    from .services import payment_record

    count = 0
    for row in pf.rows:
        d = row["data"]
        case = case_lock(d["case_id"])
        if case.institution_id != pf.institution_id:  # the check saw only the institution's cases
            return row["number"], DomainError(_("No such case."), code="case_unknown")
        try:
            payment_record(
                actor=actor,
                case=case,
                paid_on=dt.date.fromisoformat(d["paid_on"]),
                amount=Decimal(d["amount"]),
                reference=d["reference"],
                today=today,
                source=PaymentSource.FILE,
                payment_file=pf,
            )
        except DomainError as exc:
            return row["number"], exc
        count += 1
    return count


# Spreadsheets written for the operator --------------------------------------------------------------


def template_xlsx() -> bytes:
    """The payments file's template: the four columns and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "还款明细"
    for col, c in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=c.header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        ws.column_dimensions[cell.column_letter].width = 28
    for col, value in enumerate(["（2026）闽0802民特1号", "2026-03-01", "1500.00", "示例-流水号-0001"], start=1):
        cell = ws.cell(row=2, column=col, value=value)
        cell.number_format = "@"
        cell.font = Font(italic=True, color="808080")
    notes = wb.create_sheet("填写说明")
    for line in (
        "每行一笔还款：案号（诉前调、民特或民初案号均可）、还款日期、还款金额（元，最多两位小数）、本行交易流水号。",
        "同一案件的流水号不得重复；已报送的流水号不会重复入账。",
        "第2行为示例，请删除后再填写。文件中任何一行有误，整个文件均不入账。",
        f"请勿使用公式；文件最多{MAX_FILE_ROWS:,}行、{MAX_FILE_BYTES // (1024 * 1024)}MB，可为XLSX或CSV（UTF-8或GB18030）。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_report_xlsx(pf: PaymentFile) -> bytes:
    """Each refused row: its number in the file, the column, the reason, and the values as read."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors"))
    ws.append(xlsx_row(ws, [_("Row"), _("Column"), _("Reason")] + [c.header for c in COLUMNS]))
    for row in pf.rows:
        values = [row["raw"].get(c.key, "") for c in COLUMNS]
        for error in row["errors"]:
            ws.append(xlsx_row(ws, [row["number"], error.get("column", ""), error_text(error), *values]))
    summary = wb.create_sheet(_("Summary"))
    summary.append(xlsx_row(summary, [_("File"), pf.original_name]))
    summary.append(xlsx_row(summary, [_("Rows"), pf.row_count]))
    summary.append(xlsx_row(summary, [_("Rows with errors"), pf.error_count]))
    summary.append(xlsx_row(summary, [_("Recorded"), _("nothing: the file is recorded all or nothing")]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

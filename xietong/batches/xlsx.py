"""Spreadsheets written for operators (openpyxl): the import template and a batch's error report."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xietong.core.spreadsheets import xlsx_row, xlsx_text

from .checking import error_text
from .columns import EXAMPLE_ROW, FIELDS, PRODUCT_CHOICES_ZH
from .models import Batch, BatchRow
from .reader import max_rows, max_upload_bytes

DATA_SHEET = "批量导入"
NOTES_SHEET = "填写说明"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
TEXT_COLUMNS = ("id_number", "phone", "contract_number", "service_phone")
LAST_ROW = 100_001


def template_xlsx() -> bytes:
    """The import template: Chinese headers (required ones marked), notes, validation and one example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    for col, f in enumerate(FIELDS, start=1):
        cell = xlsx_text(ws.cell(row=1, column=col, value=f.header))
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if f.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(("必填。" if f.required else "选填。") + f.note, "协同")
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(12, len(f.header) * 2 + 4)
        if f.key in TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
        example = xlsx_text(ws.cell(row=2, column=col, value=_example_value(f.key)))
        example.font = Font(italic=True, color="808080")
        if f.key in TEXT_COLUMNS:
            example.number_format = "@"
    ws.freeze_panes = "A2"
    _validations(ws)

    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(xlsx_row(notes, ["列名", "是否必填", "填写说明"]))
    for c in notes[1]:
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
    for f in FIELDS:
        notes.append(xlsx_row(notes, [f.header, "必填" if f.required else "选填", f.note]))
    notes.append([])
    notes.append(["", "", "第2行为示例，请删除后再填写；示例行不会被导入。"])
    limits = f"整个文件最多{max_rows():,}行、{max_upload_bytes() // (1024 * 1024)}MB"
    notes.append(["", "", f"请勿使用公式、合并单元格；{limits}。也可上传CSV（UTF-8或GB18030编码）。"])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _example_value(key: str) -> object:
    value = EXAMPLE_ROW[key]
    if key == "overdue_since":
        return dt.date.fromisoformat(str(value))
    return value


def _validations(ws: object) -> None:
    col = {f.key: get_column_letter(i) for i, f in enumerate(FIELDS, start=1)}

    def rng(key: str) -> str:
        return f"{col[key]}2:{col[key]}{LAST_ROW}"

    product = DataValidation(type="list", formula1='"' + ",".join(PRODUCT_CHOICES_ZH) + '"', allow_blank=False)
    product.error, product.errorTitle = "请从列表中选择产品。", "产品"
    product.add(rng("product"))
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    amounts.error, amounts.errorTitle = "金额不得为负数，最多两位小数。", "金额"
    for key in ("principal", "interest", "penalty"):
        amounts.add(rng(key))
    date = DataValidation(type="date", operator="between", formula1="DATE(1980,1,1)", formula2="TODAY()")
    date.error, date.errorTitle = "请填写不晚于今天的日期，如 2026-03-01。", "日期"
    date.add(rng("overdue_since"))
    days = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    days.error, days.errorTitle = "逾期天数为非负整数。", "逾期天数"
    days.add(rng("overdue_days"))
    consent = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    consent.add(rng("consent_e_service"))
    for dv in (product, amounts, date, days, consent):
        dv.showErrorMessage = True
        ws.add_data_validation(dv)  # type: ignore[attr-defined]


def error_report_xlsx(batch: Batch, rows: Iterable[BatchRow]) -> bytes:
    """Each refused row: its number in the file, the values as read, and every reason (column: reason)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors"))
    headers = [_("Row"), _("Column"), _("Reason")] + [f.header for f in FIELDS]
    ws.append(xlsx_row(ws, headers))
    for row in rows:
        values = [row.raw.get(f.key, "") for f in FIELDS]
        for error in row.errors:
            ws.append(xlsx_row(ws, [row.number, error.get("column", ""), error_text(error), *values]))
    summary = wb.create_sheet(_("Summary"))
    summary.append(xlsx_row(summary, [_("File"), batch.original_name]))
    summary.append(xlsx_row(summary, [_("Rows"), batch.row_count]))
    summary.append(xlsx_row(summary, [_("Valid rows"), batch.valid_count]))
    summary.append(xlsx_row(summary, [_("Rows with errors"), batch.error_count]))
    summary.append(xlsx_row(summary, [_("Duplicates"), batch.duplicate_count]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

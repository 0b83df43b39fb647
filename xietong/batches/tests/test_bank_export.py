"""A real bank's export: a title (merged across the columns) and notes above the header, totals below."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from xietong.batches.columns import FIELDS
from xietong.batches.reader import read_sheet
from xietong.batches.services import batch_upload

from .helpers import HEADERS, good_row, upload

pytestmark = pytest.mark.django_db

KEYS = [f.key for f in FIELDS]


def _export_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["某银行信用卡中心逾期客户清单（2026年11月）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(["导出时间：2026-11-30", "", "单位：元"])
    ws.append(HEADERS)
    for n in (1, 2, 3):
        ws.append([good_row(n)[k] for k in KEYS])
    ws.append([])
    ws.append(["合计", "", "", "", "", "3,703.50"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _export_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["某银行信用卡中心逾期客户清单"])
    w.writerow([])
    w.writerow(HEADERS)
    w.writerow([good_row(1)[k] for k in KEYS])
    w.writerow([])
    w.writerow([good_row(2)[k] for k in KEYS])
    w.writerow(["总计：2户"])
    return out.getvalue().encode("gb18030")


def test_xlsx_title_merged_above_the_header_and_a_total_below():
    sheet = read_sheet(_export_xlsx(), name="export.xlsx")
    assert sheet.header_row == 3 and sheet.headers == HEADERS
    assert [n for n, _ in sheet.rows] == [4, 5, 6]
    assert (sheet.blank_rows, sheet.total_rows) == (1, 1)


def test_csv_gb18030_title_blank_rows_and_total():
    sheet = read_sheet(_export_csv(), name="export.csv")
    assert sheet.encoding == "gb18030" and sheet.header_row == 3
    assert [n for n, _ in sheet.rows] == [4, 6]
    assert (sheet.blank_rows, sheet.total_rows) == (1, 1)


@pytest.mark.parametrize("make,name", [(_export_xlsx, "export.xlsx"), (_export_csv, "export.csv")])
def test_a_bank_export_uploads_with_every_row_valid(world, make, name):
    b = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(make(), name)).batch
    assert b.error_count == 0 and b.valid_count == b.row_count > 0


def test_a_total_word_in_the_middle_of_the_data_is_data_not_skipped(world):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADERS)
    w.writerow(["合计", *[good_row(1)[k] for k in KEYS[1:]]])
    w.writerow([good_row(2)[k] for k in KEYS])
    b = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(out.getvalue().encode())).batch
    assert b.row_count == 2 and sorted(b.rows.values_list("number", flat=True)) == [2, 3]

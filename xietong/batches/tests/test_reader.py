"""The file checks: each bad input is refused with a clear message and stores nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from xietong.batches.reader import read_sheet

from .helpers import HEADERS, csv_bytes, good_row, row_list, xlsx_bytes, zip_bomb


def refused(data: bytes, name: str = "f.csv") -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        read_sheet(data, name=name)
    return exc.value


def test_utf8_csv_with_and_without_bom():
    plain = csv_bytes([good_row(1)])
    for data in (plain, b"\xef\xbb\xbf" + plain):
        sheet = read_sheet(data, name="a.csv")
        assert sheet.headers == HEADERS  # the BOM is not part of the first header
        assert sheet.rows[0][0] == 2 and sheet.rows[0][1][0] == good_row(1)["name"]
    assert read_sheet(b"\xef\xbb\xbf" + plain, name="a.csv").encoding == "utf-8-sig"


def test_gb18030_csv_is_detected():
    data = csv_bytes([good_row(1)], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    sheet = read_sheet(data, name="gbk.csv")
    assert sheet.encoding == "gb18030"
    assert sheet.headers[0] == "姓名"


def test_neither_utf8_nor_gb18030_is_refused():
    e = refused("姓名\n".encode() + b"\x80\x80\xff\xfe\x81\n", "x.csv")
    assert e.code == "encoding"
    assert "GB18030" in e.messages[0]


def test_empty_file_and_header_only():
    assert refused(b"").code == "empty"
    assert refused(b"\n\n  \n").code == "empty"
    assert refused(csv_bytes([])).code == "no_rows"


def test_empty_header_in_the_middle_is_refused():
    headers = [*HEADERS[:2], "", *HEADERS[3:]]
    e = refused(csv_bytes([good_row(1)], headers=headers))
    assert e.code == "empty_header" and "C" in e.messages[0]


def test_xlsx_formula_is_refused_with_its_cell():
    def setup(ws):
        ws["F3"] = "=1000+234.5"

    data = xlsx_bytes([row_list(good_row(1)), row_list(good_row(2))], setup=setup)
    e = refused(data, "f.xlsx")
    assert e.code == "formula"
    assert "F3" in e.messages[0]


def test_xlsx_merged_header_is_refused():
    def setup(ws):
        ws.merge_cells("A1:B1")

    e = refused(xlsx_bytes([row_list(good_row(1))], setup=setup), "m.xlsx")
    assert e.code == "merged_header"
    assert "A1:B1" in e.messages[0]


def test_merged_cells_below_the_header_do_not_matter_for_the_header_check():
    def setup(ws):
        ws.merge_cells("K2:L2")

    sheet = read_sheet(xlsx_bytes([row_list(good_row(1))], setup=setup), name="ok.xlsx")
    assert sheet.format == "xlsx" and len(sheet.rows) == 1


def test_xlsx_reads_values():
    sheet = read_sheet(xlsx_bytes([row_list(good_row(1))]), name="ok.xlsx")
    assert sheet.headers == HEADERS
    assert sheet.rows[0][1][1] == good_row(1)["id_number"]


def test_zip_bomb_is_refused_before_opening():
    data = zip_bomb()
    assert len(data) < 2 * 1024 * 1024  # small on the wire
    e = refused(data, "report.xlsx")
    assert e.code == "zip_bomb"


def test_not_an_xlsx():
    assert refused(b"hello, this is text", "x.xlsx").code == "not_xlsx"
    assert refused(b"PK\x03\x04garbage" * 10, "x.xlsx").code == "not_xlsx"
    assert refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls").code == "xls"
    assert refused(b"%PDF-1.4\n\x00\x01binary", "x.csv").code == "not_text"


@override_settings(BATCH_MAX_UPLOAD_BYTES=1000)
def test_too_large_is_refused():
    e = refused(b"a" * 1001)
    assert e.code == "too_large"


@override_settings(BATCH_MAX_ROWS=3)
def test_too_many_rows():
    assert refused(csv_bytes([good_row(i) for i in range(4)])).code == "too_many_rows"
    assert len(read_sheet(csv_bytes([good_row(i) for i in range(3)])).rows) == 3

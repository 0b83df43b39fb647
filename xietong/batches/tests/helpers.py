"""Batch files built in the tests: CSV in several encodings, XLSX with formulas or merged headers, bombs."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from xietong.batches.columns import FIELDS
from xietong.core.validators import id_check_char

HEADERS = [f.header for f in FIELDS]


def make_id(n: int, birth: str = "19850101") -> str:
    first = f"350802{birth}{n % 1000:03d}"
    return first + id_check_char(first)


def good_row(n: int = 1, **over: Any) -> dict[str, Any]:
    row = {
        "name": f"测试{chr(0x4E00 + n % 500)}",
        "id_number": make_id(n, birth=f"19{60 + n // 1000 % 40:02d}0101"),
        "phone": f"139{n:08d}",
        "contract_number": f"6222{n:012d}",
        "product": "信用卡",
        "principal": "1,234.50",
        "interest": "100",
        "penalty": "0",
        "overdue_since": "2026-03-01",
        "overdue_days": "30",
        "address": "福建省龙岩市新罗区",
        "service_address": "福建省龙岩市新罗区",
        "service_phone": "",
        "service_email": "",
        "consent_e_service": "是",
    }
    row.update(over)
    return row


def csv_bytes(rows: list[dict[str, Any]], *, encoding: str = "utf-8", headers: list[str] | None = None) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(headers or HEADERS)
    keys = [f.key for f in FIELDS]
    for r in rows:
        w.writerow([r.get(k, "") for k in keys])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, headers: list[str] | None = None, setup: Any = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append(r)
    if setup:
        setup(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_list(row: dict[str, Any]) -> list[Any]:
    return [row.get(f.key, "") for f in FIELDS]


def zip_bomb(name_size: int = 400 * 1024 * 1024) -> bytes:
    """A zip with one huge member of zeros (compresses ~1000x), shaped like an XLSX."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(name_size >> 20):
                fh.write(block)
    return out.getvalue()


def upload(content: bytes, name: str = "batch.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)

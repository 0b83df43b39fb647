"""Reading a batch file into a header and rows, refusing what cannot be read safely.

CSV (UTF-8 with or without BOM, else GB18030) and XLSX (python-calamine). Before an XLSX is opened,
its zip directory is checked (total uncompressed size, compression ratio: zip bombs) and its first
sheet's XML is scanned for formulas and for merged cells in the header row.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from xietong.core.spreadsheets import cell_value, neutralised

from .columns import KNOWN_HEADERS, header_key

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 100,000 rows of the template with addresses make a CSV of about 20 MB
MAX_ROWS = 100_000
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ZIP_RATIO = 100  # an honest sheet compresses ~5-20x; a bomb ~1000x
MAX_ZIP_MEMBERS = 2_000


def max_upload_bytes() -> int:
    return int(getattr(settings, "BATCH_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "BATCH_MAX_ROWS", MAX_ROWS))


@dataclass
class Sheet:
    """What was read: the header row (row `header_row` in the file) and the data rows after it."""

    format: str  # "csv" or "xlsx"
    encoding: str
    headers: list[str]
    rows: list[Any]  # the data rows after the header; after the checks, (row number in the file, cells)
    header_row: int = 1
    blank_rows: int = 0  # blank rows ignored between and after the data
    total_rows: int = 0  # total rows (合计/总计) ignored below the data
    notes: list[str] = field(default_factory=list)


def refuse(message: Any, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_size(size: int) -> None:
    if size == 0:
        raise refuse(_("The file is empty."), "empty")
    limit = max_upload_bytes()
    if size > limit:
        raise refuse(
            _("The file is %(size)s; a batch file may be at most %(max)s. Split it into several files.")
            % {"size": filesizeformat(size), "max": filesizeformat(limit)},
            "too_large",
        )


def read_sheet(data: bytes, *, name: str = "", known: Mapping[str, str] | None = None) -> Sheet:
    """Read a batch file's bytes. Raises ValidationError (with a stable code) saying what is wrong.

    `known`: the header names (as `header_key` makes them) that find the header row; the batch
    template's by default (another app's file, e.g. repayment's payments file, passes its own)."""
    check_size(len(data))
    lower = name.lower()
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        sheet = _read_xlsx(data, known)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(
            _("This is an old Excel file (.xls) or an encrypted workbook. Save it as .xlsx or CSV and upload again."),
            "xls",
        )
    elif lower.endswith((".xlsx", ".xlsm", ".xls")):
        raise refuse(_("This file is named like an Excel workbook but is not an XLSX file."), "not_xlsx")
    else:
        sheet = _read_csv(data, known)
    _check_header(sheet)
    if not sheet.rows:
        raise refuse(_("The file has a header row but no data rows."), "no_rows")
    if len(sheet.rows) > max_rows():
        raise refuse(
            _("The file has %(n)s data rows; a batch may have at most %(max)s. Split it into several files.")
            % {"n": f"{len(sheet.rows):,}", "max": f"{max_rows():,}"},
            "too_many_rows",
        )
    return sheet


# CSV ----------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (strictly, BOM or not) first, else GB18030; neither → a clear refusal."""
    if b"\x00" in data[:4096]:
        raise refuse(_("This is not a text (CSV) file. Upload an XLSX file or a CSV file."), "not_text")
    try:
        text = data.decode("utf-8")
        return text.removeprefix("\ufeff"), "utf-8-sig" if text.startswith("\ufeff") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise refuse(
            _("The file's text encoding is neither UTF-8 nor GB18030 (GBK). Save it as “CSV UTF-8” and upload again."),
            "encoding",
        ) from None


def _read_csv(data: bytes, known: Mapping[str, str] | None = None) -> Sheet:
    text, encoding = decode_text(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise refuse(_("The CSV file cannot be read: %(error)s") % {"error": e}, "csv") from None
    if neutralised(text):  # cells the platform wrote with an apostrophe before a formula-like text
        rows = [[cell_value(c) for c in row] for row in rows]
    header_index = find_header(rows, known)
    if header_index is None:
        raise refuse(_("The file is empty."), "empty")
    return Sheet(
        format="csv",
        encoding=encoding,
        headers=[c.strip() for c in rows[header_index]],
        rows=rows[header_index + 1 :],
        header_row=header_index + 1,
    )


# XLSX ---------------------------------------------------------------------------------------------

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FORMULA_RE = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s/>]")
CELL_REF_RE = re.compile(rb'<(?:[A-Za-z0-9_]+:)?c\b[^>]*?\br="([A-Z]+[0-9]+)"')


def check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse zip bombs from the directory alone, before anything is decompressed."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise refuse(_("This workbook has too many parts to be a spreadsheet export."), "zip_bomb")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1024 * 1024), default=0)
    if total > MAX_UNZIPPED_BYTES or worst > MAX_ZIP_RATIO or (packed and total / packed > MAX_ZIP_RATIO):
        raise refuse(
            _("This file unpacks to %(size)s: it is not an ordinary spreadsheet and was not opened.")
            % {"size": filesizeformat(total)},
            "zip_bomb",
        )


def _first_sheet_path(zf: zipfile.ZipFile) -> str:
    """The XML part of the workbook's first sheet (the one calamine reads as index 0)."""
    try:
        workbook = ET.fromstring(zf.read("xl/workbook.xml"))  # noqa: S314 - size checked by check_zip
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    except (KeyError, ET.ParseError):
        raise refuse(_("This file is a zip archive but not an XLSX workbook."), "not_xlsx") from None
    sheet = workbook.find(f"{NS_MAIN}sheets/{NS_MAIN}sheet")
    if sheet is None:
        raise refuse(_("The workbook has no sheet."), "empty")
    rid = sheet.get(f"{NS_REL}id")
    for rel in rels.findall(f"{NS_PKG_REL}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise refuse(_("This file is a zip archive but not an XLSX workbook."), "not_xlsx")


def find_formula(zf: zipfile.ZipFile, part: str) -> str | None:
    """The reference of the first cell holding a formula in this sheet part ("C5"), or None. Streams the XML."""
    if not _has_formula(zf, part):
        return None
    return _find_formula_cell(zf, part)


def _sheet_chunks(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The sheet's XML, 1 MB at a time, each chunk led by the last 256 bytes of the one before (a tag
    cut at a boundary is whole in the next chunk)."""
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            yield buf
            tail = buf[-256:]


def _has_formula(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether `_find_formula_cell` finds a formula: the same chunks and search, without collecting cell
    references (most sheets have no formula). A formula's tag holds "<f" or ":f": a chunk without
    either cannot match."""
    return any((b"<f" in buf or b":f" in buf) and FORMULA_RE.search(buf) for buf in _sheet_chunks(zf, part))


def _find_formula_cell(zf: zipfile.ZipFile, part: str) -> str | None:
    last_cell = "?"
    for buf in _sheet_chunks(zf, part):
        m = FORMULA_RE.search(buf)
        if m:
            refs = CELL_REF_RE.findall(buf, 0, m.start())
            return refs[-1].decode() if refs else last_cell
        refs = CELL_REF_RE.findall(buf)
        if refs:
            last_cell = refs[-1].decode()
    return None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes, known: Mapping[str, str] | None = None) -> Sheet:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise refuse(_("This file is damaged or is not an XLSX workbook."), "not_xlsx") from None
    with zf:
        check_zip(zf)
        part = _first_sheet_path(zf)
        try:
            cell = find_formula(zf, part)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError):
            raise refuse(_("This file is damaged or is not an XLSX workbook."), "not_xlsx") from None
        if cell is not None:
            raise refuse(
                _(
                    "Cell %(cell)s holds a formula. Formulas are not accepted: copy the sheet and "
                    "paste it as values only, then upload again."
                )
                % {"cell": cell},
                "formula",
            )
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = wb.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except (CalamineError, ValueError, OSError) as e:
        raise refuse(_("This workbook cannot be read: %(error)s") % {"error": e}, "not_xlsx") from None
    header_index = find_header(rows, known)
    if header_index is None:
        raise refuse(_("The file is empty."), "empty")
    for (r1, c1), (r2, c2) in merged:  # a title merged across the columns above the header is no matter
        if r1 <= header_index <= r2 and (r1, c1) != (r2, c2):
            raise refuse(
                _(
                    "The header row has merged cells (%(cell)s). Each column needs its own header in "
                    "one cell: unmerge the header cells and upload again."
                )
                % {"cell": _ref(r1, c1) + ":" + _ref(r2, c2)},
                "merged_header",
            )
    return Sheet(
        format="xlsx",
        encoding="",
        headers=[_cell_text(c) for c in rows[header_index]],
        rows=rows[header_index + 1 :],
        header_row=header_index + 1,
    )


HEADER_SCAN_ROWS = 30  # a bank export's title and notes above its header take a few rows, not more
TOTAL_WORDS = ("合计", "总计", "小计", "total")


def find_header(rows: list[Any], known: Mapping[str, str] | None = None) -> int | None:
    """The index of the header row: the first row (of the first 30) with at least two known column
    names; failing that, the first row with anything in it (its columns are mapped by hand).
    Title and note rows above the header (a bank export's, merged across the columns or not) are skipped."""
    first: int | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [_cell_text(c) for c in row]
        if not any(texts):
            continue
        if first is None:
            first = i
        if sum(1 for t in texts if t and header_key(t) in (KNOWN_HEADERS if known is None else known)) >= 2:
            return i
    if first is None:
        first = next((i for i, r in enumerate(rows) if any(_cell_text(c) for c in r)), None)
    return first


def _is_total(row: Any) -> bool:
    """A total row (合计/总计/小计 in its first filled cell), as bank exports put below the data."""
    text = next((t for t in (_cell_text(c) for c in row) if t), "")
    return text.replace(" ", "").lower().startswith(TOTAL_WORDS)


def _ref(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def column_letter(index: int) -> str:
    return _ref(0, index)[:-1]


def _check_header(sheet: Sheet) -> None:
    headers = list(sheet.headers)
    while headers and not headers[-1]:
        headers.pop()
    for i, h in enumerate(headers):
        if not h:
            raise refuse(
                _(
                    "Column %(col)s has no header. Every column with data needs a header in the first row "
                    "(merged header cells leave the others empty)."
                )
                % {"col": column_letter(i)},
                "empty_header",
            )
    seen: set[str] = set()
    for h in headers:
        if h in seen:
            raise refuse(_("The header “%(header)s” appears twice.") % {"header": h}, "duplicate_header")
        seen.add(h)
    sheet.headers = headers
    # Drop rows with nothing in them (trailing blank lines, a sheet's formatted but empty area).
    first = sheet.header_row + 1
    # A row whose first cell has text (the usual) needs no look at the others.
    kept = [
        (first + i, r)
        for i, r in enumerate(sheet.rows)
        if (r and type(r[0]) is str and r[0].strip()) or any(_cell_text(c) for c in r)
    ]
    sheet.blank_rows = len(sheet.rows) - len(kept)
    # Total rows at the end of the data (合计, 总计): not debts. Only at the end: strict about the data.
    while kept and _is_total(kept[-1][1]):
        kept.pop()
        sheet.total_rows += 1
    sheet.rows = kept

"""The fast paths of reading and checking a batch agree with the plain way (the code before them).

`reference_check_rows` is check_rows as it was: every field of every row through `_check_field`, nothing
kept between rows. The fast check_rows (text cells checked by their text, outcomes memoised per value,
rows put together from the outcomes) must give the same raw texts, data, errors, in the same order.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import sys
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from xietong.batches import reader
from xietong.batches.checking import (
    FieldError,
    _check_field,
    _dup,
    _text,
    auto_mapping,
    check_amount,
    check_contract,
    check_email,
    check_name,
    check_rows,
    resolve_columns,
)
from xietong.batches.columns import FIELDS
from xietong.core.validators import FULLWIDTH
from xietong.intake.validators import amount_text, parse_amount

from .helpers import HEADERS, csv_bytes, good_row, make_id, row_list

TODAY = dt.date(2026, 11, 26)
DUP_IN_FILE = "Same person and card/contract as row %(row)s."
DUP_OPEN = "This person already has an open case for this card/contract."
COLUMNS = resolve_columns(HEADERS, auto_mapping(HEADERS))


def reference_check_rows(rows, *, columns, headers, open_keys=frozenset(), today):
    column_names = {key: headers[i] for key, i in columns.items()}
    seen: dict[tuple[str, str], int] = {}
    out = []
    for number, cells in rows:
        width = len(cells)
        raw = {key: _text(cells[i]) if i < width else "" for key, i in columns.items()}
        values = {key: (cells[i] if i < width else "") for key, i in columns.items()}
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for f in FIELDS:
            try:
                data[f.key] = _check_field(f.key, values.get(f.key, ""), today=today)
            except FieldError as e:
                errors.append(
                    {
                        "field": f.key,
                        "column": column_names.get(f.key, f.header),
                        "code": e.code,
                        "message": e.message,
                        "params": {k: str(v) for k, v in e.params.items()},
                    }
                )
        if "overdue_days" in data and data["overdue_days"] is None and "overdue_since" in data:
            data["overdue_days"] = (today - dt.date.fromisoformat(data["overdue_since"])).days
        duplicate = False
        if "id_number" in data and "contract_number" in data:
            key = (data["id_number"], data["contract_number"])
            first = seen.get(key)
            if first is not None:
                duplicate = True
                errors.append(_dup(column_names, "duplicate_in_file", DUP_IN_FILE, row=first))
            elif key in open_keys:
                duplicate = True
                errors.append(_dup(column_names, "duplicate_open_case", DUP_OPEN))
            else:
                seen[key] = number
        out.append((number, raw, data, errors, duplicate, column_names))
    return out


def comparable(number, raw, data, errors, duplicate, columns):
    """Everything of a row, dict order and value types included."""
    errs = [sorted(e.items()) for e in errors]
    return (
        number,
        list(raw.items()),
        [(k, type(v), v) for k, v in data.items()],
        errs,
        duplicate,
        list(columns.items()),
    )


def assert_same(rows, *, columns=COLUMNS, headers=HEADERS, open_keys=frozenset()):
    rows = list(rows)
    fast = check_rows(rows, columns=columns, headers=headers, open_keys=open_keys, today=TODAY).rows
    slow = reference_check_rows(rows, columns=columns, headers=headers, open_keys=open_keys, today=TODAY)
    assert len(fast) == len(slow)
    for r, expected in zip(fast, slow, strict=True):
        got = comparable(r.number, r.raw, r.data, r.errors, r.is_duplicate, r.columns)
        assert got == comparable(*expected), r.number
    return fast


# Values per field, text as in a CSV and values as python-calamine gives them from an XLSX.
POOLS: dict[str, list[Any]] = {
    "name": [
        "张三",
        " 李四 ",
        "王五1",
        "王五１",
        "阿依古丽·买买提",
        "",
        "   ",
        "Ａｌｉ",
        "x" * 101,
        12,
        3.5,
        None,
        "赵²",
    ],
    "id_number": [
        make_id(1),
        make_id(2).lower(),
        make_id(3)[:-1] + "x",
        " " + make_id(4) + " ",
        make_id(5).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        make_id(6)[:6] + " " + make_id(6)[6:],
        make_id(7)[:-1] + ("0" if make_id(7)[-1] != "0" else "1"),
        "35080219850101001",
        "3508021985010100123",
        "350802198513010012",
        "350802220001010012",
        "35080219850101001X",
        "35080219850101001x",
        "3508021985010100\u0661X",
        make_id(8) + "\n",
        float(make_id(9)[:15]),
        3.5080219850101e17,
        350802198501010012,
        "",
        None,
        True,
    ],
    "phone": [
        "13900000001",
        " 13900000001 ",
        "+8613900000001",
        "+86 139-0000-0001",
        "008613900000001",
        "(139)00000001",
        "１３９００００００01",
        "12900000001",
        "1390000000",
        "139000000012",
        "+62 812 3456 7890",
        "0591-12345678",
        "\u0661\u0663\u0669" + "00000001",
        13900000001,
        13900000001.0,
        1.39e10,
        "",
    ],
    "contract_number": [
        "6222000000000001",
        " 6222 0000 0000 0002 ",
        "ab-12",
        "ＡＢ－１２",
        "示例-0001",
        "x" * 65,
        6222.0,
        5,
        "",
    ],
    "product": ["信用卡", "贷记卡", "credit card", "Credit Card", "credit_card", "mortgage", "汽车贷", "", " 其他 ", 1],
    "principal": [
        "1,234.50",
        "1,23.4",
        "1234.5",
        " 12,345.60 ",
        "１，２３４．５０",
        "¥800",
        "800元",
        "0",
        "000",
        "0.05",
        "00.5",
        "1,234,567.89",
        "999999999999.99",
        "1000000000000",
        "1,000,000,000,000",
        "-1",
        "1.234",
        "1,2345",
        ".5",
        "5.",
        "1e3",
        "12 345",
        "\u0661\u0662",
        "",
        12345.6,
        12000.0,
        0.30000000000000004,
        1e-05,
        1e16,
        800,
        True,
    ],
    "overdue_since": [
        "2026-03-01",
        "2026/3/1",
        "2026年3月1日",
        " 2026-3-1 ",
        "２０２６－０３－０１",
        "20260301",
        "2026-03-01 10:30",
        "2026-02-30",
        "46082",
        "46082.0",
        "46082.5",
        "2027-01-01",
        "1979-12-31",
        "abc",
        "",
        46082,
        46082.0,
        46082.5,
        dt.datetime(2026, 3, 1, 10, 30),
        dt.date(2026, 3, 1),
        dt.date(2027, 1, 1),
    ],
    "overdue_days": ["30", " 30 ", "３０", "1,000", "-1", "1.5", "1234567", "", 30, 30.0, 1.5, True, False],
    "address": ["福建省龙岩市新罗区", "", "  路 1 号 ", "x" * 301, 12],
    "service_address": ["", "福建省龙岩市", "x" * 300],
    "service_phone": ["", "13900000002", "+86 139 0000 0002", "123", 13900000002],
    "service_email": ["", "A@Example.com", " a@example.com ", "ａ@example.com", "not-an-email", "x@y"],
    "consent_e_service": ["是", "否", "", "YES", " y ", "1", "0", "√", "×", "maybe", 1, 0, 1.0, 0.0, True, False],
}


POOLS["interest"] = POOLS["penalty"] = POOLS["principal"]


def random_rows(n: int, seed: int) -> list[tuple[int, list[Any]]]:
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        cells = [
            rng.choice(POOLS[f.key]) if rng.random() < 0.5 else row_list(good_row(k % 50))[j]
            for j, f in enumerate(FIELDS)
        ]
        if rng.random() < 0.05:
            cells = cells[: rng.randrange(len(cells))]  # a short row
        elif rng.random() < 0.05:
            cells = [*cells, "extra"]
        rows.append((k + 2, cells))
    return rows


def test_random_rows_agree_with_the_plain_checks():
    assert_same(random_rows(3000, seed=1))


def test_random_rows_with_open_cases_agree():
    rows = random_rows(500, seed=2)
    slow = reference_check_rows(rows, columns=COLUMNS, headers=HEADERS, today=TODAY)
    open_keys = {
        (data["id_number"], data["contract_number"])
        for _, _, data, _, _, _ in slow[::7]
        if "id_number" in data and "contract_number" in data
    }
    assert open_keys
    result = assert_same(rows, open_keys=open_keys)
    assert any(e["code"] == "duplicate_open_case" for r in result for e in r.errors)


def test_every_pool_value_in_every_row_agrees():
    """Each tricky value once, in an otherwise good row (text cells and XLSX-typed cells alike)."""
    rows = []
    for j, f in enumerate(FIELDS):
        for value in POOLS[f.key]:
            cells = row_list(good_row(len(rows) + 1))
            cells[j] = value
            rows.append((len(rows) + 2, cells))
    assert_same(rows)


def test_repeated_values_keep_their_own_errors():
    """A memoised refusal is reported in each row, each with its own error."""
    rows = [(k + 2, row_list(good_row(k + 1, product="汽车贷", consent_e_service="maybe"))) for k in range(5)]
    result = assert_same(rows)
    assert all([e["code"] for e in r.errors] == ["product", "consent"] for r in result)
    assert len({id(e) for r in result for e in r.errors}) == 10


def test_equal_values_of_other_types_are_not_confused():
    """1, 1.0, True and "1" hash alike: each is checked as itself."""
    rows = []
    for value in (1, 1.0, True, "1", 0, 0.0, False, "0", 1.5, "1.5", 46082, 46082.0, "46082"):
        for key in ("overdue_days", "consent_e_service", "overdue_since", "name", "product"):
            cells = row_list(good_row(len(rows) + 1))
            cells[[f.key for f in FIELDS].index(key)] = value
            rows.append((len(rows) + 2, cells))
    assert_same(rows)


@pytest.mark.parametrize(
    "keep",
    [
        ["name", "id_number", "phone", "contract_number", "product", "principal", "overdue_since"],
        ["id_number", "name"],
        ["principal"],
        [],
        [f.key for f in reversed(FIELDS)],
    ],
)
def test_missing_and_reordered_columns_agree(keep):
    by_key = {f.key: f.header for f in FIELDS}
    headers = [by_key[k] for k in keep]
    columns = resolve_columns(headers, auto_mapping(headers))
    rows = []
    for k, (_, cells) in enumerate(random_rows(300, seed=3)):
        full = dict(zip([f.key for f in FIELDS], cells, strict=False))
        rows.append((k + 2, [full.get(key, "") for key in keep][: len(cells)]))
    assert_same(rows, columns=columns, headers=headers)


def test_a_mapping_to_other_headers_agrees():
    headers = ["备注", *HEADERS[::-1], "另一列"]
    columns = {f.key: headers.index(f.header) for f in FIELDS}
    rows = [(k + 2, ["note", *cells[::-1], "more"]) for k, (_, cells) in enumerate(random_rows(300, seed=4))]
    assert_same(rows, columns=columns, headers=headers)


def test_rows_may_be_a_generator():
    rows = random_rows(50, seed=5)
    fast = check_rows(iter(rows), columns=COLUMNS, headers=HEADERS, today=TODAY).rows
    assert [r.number for r in fast] == [n for n, _ in rows]


def test_duplicates_found_as_before():
    a = row_list(good_row(1))
    b = row_list(good_row(2))
    lower = list(a)
    lower[1] = a[1].lower()
    spaced = list(a)
    spaced[3] = " " + a[3][:4] + " " + a[3][4:]
    result = assert_same([(2, a), (3, b), (4, lower), (5, spaced), (6, a)])
    assert [r.is_duplicate for r in result] == [False, False, a[1][-1].isdigit(), True, True]


# The amount, ID number, phone and name fast paths -------------------------------------------------


def outcome(check, value):
    try:
        result = check(value)
    except ValidationError as e:
        return ("refused", e.code, e.messages)
    return ("ok", type(result), result)


AMOUNTS = [
    "1,234.50",
    "1,23.4",
    "1234",
    "1234.5",
    "1234.56",
    "1234.567",
    "1,234.567",
    " 1,234.50 ",
    "１，２３４．５０",
    "1，234。5",
    "¥1,234.50",
    "1,234.50元",
    "0",
    "00",
    "000,000",
    "0.0",
    "0.05",
    "007",
    "1,234,567,890.12",
    "999,999,999,999.99",
    "999999999999.99",
    "1000000000000",
    "1,000,000,000,000",
    "-5",
    "+5",
    "5.",
    ".5",
    "1e3",
    "1,2,3",
    "12,34",
    "1,2345",
    ",123",
    "123,",
    "1 234",
    "\u0661\u0662\u0663",
    "١٢٣.٤",
    "12\n",
    "\n12",
    "",
    "   ",
]


@pytest.mark.parametrize("value", AMOUNTS)
def test_amount_text_agrees_with_parse_amount(value):
    assert outcome(amount_text, value) == outcome(lambda v: str(parse_amount(v)), value)


def test_amount_text_agrees_on_random_shapes():
    rng = random.Random(6)
    for _ in range(5000):
        whole = str(rng.choice([0, 1, 12, 999, 1000, 123456, 10**12 - 1, 10**12, rng.randrange(10**14)]))
        if rng.random() < 0.5:
            whole = f"{int(whole):,}"
        if rng.random() < 0.2:
            whole = "0" * rng.randrange(1, 4) + whole
        text = whole + rng.choice(["", ".", ".5", ".50", ".05", ".123", ",5"])
        assert outcome(amount_text, text) == outcome(lambda v: str(parse_amount(v)), text), text


@pytest.mark.parametrize("value", [12345.6, 12000.0, 0.1, 0.30000000000000004, 1e-05, 1e16, 123456789012.5, 5, 0.0])
def test_amounts_read_from_xlsx_as_before(value):
    text = repr(value) if isinstance(value, float) and not value.is_integer() else _text(value)
    try:
        expected: Any = str(parse_amount(text))
    except ValidationError as e:
        expected = e.code
    try:
        got: Any = check_amount(value, required=True)
    except FieldError as e:
        got = e.code
    assert got == expected


def test_no_character_is_both_a_letter_and_a_digit():
    """check_name skips its digit scan for an all-letter name."""
    assert not [c for c in map(chr, range(sys.maxunicode + 1)) if c.isalpha() and c.isdigit()]


def test_fullwidth_maps_no_ascii_character():
    """check_contract and check_email skip the translation of ASCII text."""
    assert all(k > 127 for k in FULLWIDTH)


@pytest.mark.parametrize("value", ["张三", "王五1", "王五١", "Li Si", "李 四", "赵²", "x⁹", "阿依古丽·买买提"])
def test_check_name_as_before(value):
    name = value.translate(FULLWIDTH).strip()
    digits = any(ch.isdigit() for ch in name)
    try:
        got = check_name(value)
    except FieldError as e:
        assert digits and e.code == "name_digits"
    else:
        assert not digits and got == name


@pytest.mark.parametrize("value", ["ab 12", "ＡＢ－１２", "6222000000000001", "a\u3000b", " x "])
def test_check_contract_as_before(value):
    assert check_contract(value) == value.strip().translate(FULLWIDTH).replace(" ", "").upper()


@pytest.mark.parametrize("value", ["A@Example.com", "ｘ@example.com", " b@example.com "])
def test_check_email_as_before(value):
    assert check_email(value) == value.strip().translate(FULLWIDTH).lower()


# Reading: the blank-row filter and the formula scan ------------------------------------------------


def test_blank_rows_dropped_as_before():
    rows = [["", " ", "x"], [" ", "", ""], ["a"], [], ["\u3000", ""], [None, 0.0], [None, None], ["", None, False]]
    sheet = reader.Sheet(format="xlsx", encoding="", headers=["A", "B", "C"], rows=[list(r) for r in rows])
    reader._check_header(sheet)
    expected = [(2 + i, r) for i, r in enumerate(rows) if any(reader._cell_text(c) for c in r)]
    assert sheet.rows == expected


def test_csv_rows_read_as_before():
    data = csv_bytes([good_row(1), {"name": " "}, {}, {"phone": "13900000001"}, good_row(2)])
    sheet = reader.read_sheet(data, name="x.csv")
    assert [n for n, _ in sheet.rows] == [2, 5, 6]


def reference_find_formula(zf, part):
    tail = b""
    last_cell = "?"
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return None
            buf = tail + chunk
            m = reader.FORMULA_RE.search(buf)
            if m:
                refs = reader.CELL_REF_RE.findall(buf, 0, m.start())
                return refs[-1].decode() if refs else last_cell
            refs = reader.CELL_REF_RE.findall(buf)
            if refs:
                last_cell = refs[-1].decode()
            tail = buf[-256:]


def sheet_zip(xml: bytes) -> zipfile.ZipFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def cells_xml(n: int) -> bytes:
    return b"".join(b'<c r="A%d" t="inlineStr"><is><t>row %d</t></is></c>' % (i, i) for i in range(1, n + 1))


@pytest.mark.parametrize(
    "formula_at",
    [None, 0, 10, (1 << 20) - 3, (1 << 20) + 5, (2 << 20) - 1, 3 << 20],
)
@pytest.mark.parametrize("tag", [b"<f>1+1</f>", b"<x:f>1+1</x:f>", b'<f t="shared" si="0"/>'])
def test_formula_found_as_before(formula_at, tag):
    body = cells_xml(80_000)  # about 3.7 MB: several 1 MB chunks
    if formula_at is not None:
        at = min(formula_at, len(body))
        body = body[:at] + tag + body[at:]
    zf = sheet_zip(b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>")
    part = "xl/worksheets/sheet1.xml"
    assert reader.find_formula(zf, part) == reference_find_formula(zf, part)


def test_formula_after_a_chunk_without_cells():
    body = b'<c r="B7"/>' + b" " * ((1 << 20) + 100) + b"<f>1</f>"
    zf = sheet_zip(body)
    assert reader.find_formula(zf, "xl/worksheets/sheet1.xml") == reference_find_formula(zf, "xl/worksheets/sheet1.xml")


def test_text_like_a_formula_tag_is_not_one():
    zf = sheet_zip(b'<c r="A1"><is><t>a:f b&lt;f</t></is></c><c r="A2"><v>1</v></c>')
    assert reader.find_formula(zf, "xl/worksheets/sheet1.xml") is None
    assert re.search(rb":f", zf.read("xl/worksheets/sheet1.xml"))

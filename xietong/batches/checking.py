"""Checking every row of a batch: each field normalised or refused with a reason, duplicates found.

Pure functions over the rows read by `reader`; the only database read is the institution's open
cases' (ID number, card/contract number) pairs, done once per batch by `open_case_keys`.
Error messages are stored as their English source text with parameters and translated when shown,
so the preview and the error report follow the reader's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from xietong.core.validators import FULLWIDTH, normalize_phone, parse_resident_id
from xietong.intake.validators import parse_amount

from .columns import AMOUNT_FIELDS, EXAMPLE_CONTRACT, FIELD_BY_KEY, FIELDS, PRODUCT_ALIASES, header_key

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
YES = {"是", "同意", "y", "yes", "true", "1", "√", "✓", "已同意"}
NO = {"否", "不同意", "n", "no", "false", "0", "", "×"}
MAX_TEXT = {"name": 100, "address": 300, "service_address": 300, "contract_number": 64, "service_email": 254}


@dataclass
class RowResult:
    number: int
    raw: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    is_duplicate: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # field → the file's header

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def id_number(self) -> str:
        return str(self.data.get("id_number", ""))

    @property
    def contract_number(self) -> str:
        return str(self.data.get("contract_number", ""))


@dataclass
class CheckResult:
    rows: list[RowResult]

    @property
    def valid_count(self) -> int:
        return sum(1 for r in self.rows if r.is_valid)

    @property
    def duplicate_count(self) -> int:
        return sum(1 for r in self.rows if r.is_duplicate)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors and not r.is_duplicate)


class FieldError(Exception):
    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.message, self.code, self.params = message, code, params


def error_text(error: dict[str, Any]) -> str:
    """An error's reason in the active language."""
    text = gettext(error.get("message", ""))
    params = error.get("params") or {}
    return text % params if params else text


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _digits_text(value: Any, what: str) -> str:
    """Identifiers must be text: Excel keeps 15 significant digits of a number and loses the rest."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
            raise FieldError(
                gettext_noop("Excel stored this as a number and lost its last digits. Format the column as text."),
                "number_as_text",
            )
        return str(int(value))
    return _text(value)


def check_name(value: Any) -> str:
    name = _text(value).translate(FULLWIDTH).strip()
    if not name:
        raise FieldError(gettext_noop("Required."), "required")
    if len(name) > MAX_TEXT["name"]:
        raise FieldError(gettext_noop("Too long (at most %(max)s characters)."), "too_long", max=MAX_TEXT["name"])
    if any(ch.isdigit() for ch in name):
        raise FieldError(gettext_noop("A name has no digits."), "name_digits")
    return name


def check_id_number(value: Any, *, today: dt.date | None = None) -> str:
    text = _digits_text(value, "ID number")
    if not text:
        raise FieldError(gettext_noop("Required."), "required")
    try:
        return parse_resident_id(text, today=today).number
    except ValidationError as e:
        raise FieldError(_validation_text(e), e.code or "id_number") from None


def check_phone(value: Any, *, required: bool = True) -> str:
    text = _digits_text(value, "phone number")
    if not text:
        if required:
            raise FieldError(gettext_noop("Required."), "required")
        return ""
    try:
        return normalize_phone(text)
    except ValidationError as e:
        raise FieldError(_validation_text(e), e.code or "phone") from None


def check_contract(value: Any) -> str:
    text = _digits_text(value, "card or contract number").translate(FULLWIDTH).replace(" ", "").upper()
    if not text:
        raise FieldError(gettext_noop("Required."), "required")
    if len(text) > MAX_TEXT["contract_number"]:
        raise FieldError(
            gettext_noop("Too long (at most %(max)s characters)."), "too_long", max=MAX_TEXT["contract_number"]
        )
    if text == EXAMPLE_CONTRACT:
        raise FieldError(gettext_noop("This is the template's example row: delete it."), "example_row")
    return text


def check_product(value: Any) -> str:
    text = _text(value)
    if not text:
        raise FieldError(gettext_noop("Required."), "required")
    code = PRODUCT_ALIASES.get(text) or PRODUCT_ALIASES.get(text.lower())
    if code is None:
        raise FieldError(
            gettext_noop("Unknown product “%(value)s”: use 信用卡, 消费贷款, 经营贷款, 抵押贷款, 担保 or 其他."),
            "product",
            value=text[:40],
        )
    return code


def check_amount(value: Any, *, required: bool) -> str:
    text = repr(value) if isinstance(value, float) and not value.is_integer() else _text(value)
    if not text:
        if required:
            raise FieldError(gettext_noop("Required."), "required")
        return "0.00"
    try:
        amount: Decimal = parse_amount(text)
    except ValidationError as e:
        raise FieldError(_validation_text(e), e.code or "amount") from None
    return str(amount)


def check_date(value: Any, *, today: dt.date) -> str:
    """Excel serial numbers (46082 = 2026-03-01), dates read from the sheet, and text in the usual forms."""
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    else:
        text = _text(value).translate(FULLWIDTH).strip()
        if not text:
            raise FieldError(gettext_noop("Required."), "required")
        date_or_none = _parse_date_text(text)
        if date_or_none is None:
            raise FieldError(
                gettext_noop("Not a date: write it as 2026-03-01, 2026/3/1 or 2026年3月1日."), "date_format"
            )
        date = date_or_none
    if date > today:
        raise FieldError(gettext_noop("This date is in the future."), "date_future")
    if date.year < 1980:
        raise FieldError(gettext_noop("This date is not plausible (before 1980)."), "date_implausible")
    return date.isoformat()


def _parse_date_text(text: str) -> dt.date | None:
    m = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        serial = float(text)
    except ValueError:
        return None
    if not serial.is_integer() or not 1 <= serial <= 2958465:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def check_days(value: Any) -> int | None:
    text = _text(value).translate(FULLWIDTH).replace(",", "")
    if not text:
        return None
    if not re.fullmatch(r"\d{1,6}", text, re.ASCII):
        raise FieldError(gettext_noop("Days overdue is a whole number, not negative."), "days")
    return int(text)


def check_consent(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise FieldError(gettext_noop("Write 是 (yes) or 否 (no)."), "consent")


def check_email(value: Any) -> str:
    text = _text(value).translate(FULLWIDTH)
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise FieldError(gettext_noop("Not an e-mail address."), "email") from None
    return text.lower()


def check_free_text(value: Any, key: str) -> str:
    text = _text(value)
    if len(text) > MAX_TEXT[key]:
        raise FieldError(gettext_noop("Too long (at most %(max)s characters)."), "too_long", max=MAX_TEXT[key])
    return text


_EN_TEXT: dict[tuple[str, str, str], str] = {}


def _validation_text(e: ValidationError) -> str:
    """A validator's message as its English source text (translated again when shown)."""
    key = (translation.get_language() or "", e.code or "", str(e.message))
    text = _EN_TEXT.get(key)
    if text is None:
        with translation.override("en"):
            text = _EN_TEXT.setdefault(key, str(e.message))
    return text


def resolve_columns(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field key → column index, from a mapping field → header."""
    index = {h: i for i, h in enumerate(headers)}
    return {key: index[h] for key, h in mapping.items() if h in index}


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """The fields recognised by their header alone (the template's, the English label, the key)."""
    from .columns import KNOWN_HEADERS

    found: dict[str, str] = {}
    for h in headers:
        key = KNOWN_HEADERS.get(header_key(h))
        if key and key not in found:
            found[key] = h
    return found


def check_rows(
    rows: Iterable[tuple[int, list[Any]]],
    *,
    columns: dict[str, int],
    headers: list[str],
    open_keys: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    today: dt.date | None = None,
) -> CheckResult:
    """Check each row; mark repeats within the file and rows matching an open case (same ID and card/contract)."""
    today = today or timezone.localdate()
    column_names = {key: headers[i] for key, i in columns.items()}
    seen: dict[tuple[str, str], int] = {}
    results: list[RowResult] = []
    for number, cells in rows:
        width = len(cells)
        raw = {key: _text(cells[i]) if i < width else "" for key, i in columns.items()}
        values = {key: (cells[i] if i < width else "") for key, i in columns.items()}
        result = RowResult(number=number, raw=raw, columns=column_names)
        data = result.data
        for f in FIELDS:
            value = values.get(f.key, "")
            try:
                data[f.key] = _check_field(f.key, value, today=today)
            except FieldError as e:
                result.errors.append(
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
        if "id_number" in data and "contract_number" in data:
            key = (data["id_number"], data["contract_number"])
            first = seen.get(key)
            if first is not None:
                result.is_duplicate = True
                result.errors.append(
                    _dup(
                        column_names,
                        "duplicate_in_file",
                        gettext_noop("Same person and card/contract as row %(row)s."),
                        row=first,
                    )
                )
            elif key in open_keys:
                result.is_duplicate = True
                result.errors.append(
                    _dup(
                        column_names,
                        "duplicate_open_case",
                        gettext_noop("This person already has an open case for this card/contract."),
                    )
                )
            else:
                seen[key] = number
        results.append(result)
    return CheckResult(rows=results)


def mark_names_on_file(result: CheckResult, names: dict[str, str]) -> None:
    """Refuse rows whose ID number is on file under another name (the on-file name is not shown)."""
    for r in result.rows:
        on_file = names.get(r.id_number)
        if on_file is not None and "name" in r.data and on_file != r.data["name"]:
            r.errors.append(
                {
                    "field": "id_number",
                    "column": r.columns.get("id_number", FIELD_BY_KEY["id_number"].header),
                    "code": "id_other_name",
                    "message": gettext_noop(
                        "This ID number is on file under another name; check the name and the number."
                    ),
                    "params": {},
                }
            )


def _dup(column_names: dict[str, str], code: str, message: str, **params: Any) -> dict[str, Any]:
    return {
        "field": "contract_number",
        "column": column_names.get("contract_number", FIELD_BY_KEY["contract_number"].header),
        "code": code,
        "message": message,
        "params": {k: str(v) for k, v in params.items()},
    }


def _check_field(key: str, value: Any, *, today: dt.date) -> Any:
    if key == "name":
        return check_name(value)
    if key == "id_number":
        return check_id_number(value, today=today)
    if key == "phone":
        return check_phone(value)
    if key == "service_phone":
        return check_phone(value, required=False)
    if key == "contract_number":
        return check_contract(value)
    if key == "product":
        return check_product(value)
    if key in AMOUNT_FIELDS:
        return check_amount(value, required=FIELD_BY_KEY[key].required)
    if key == "overdue_since":
        return check_date(value, today=today)
    if key == "overdue_days":
        return check_days(value)
    if key == "consent_e_service":
        return check_consent(value)
    if key == "service_email":
        return check_email(value)
    return check_free_text(value, key)

"""Checking every row of a batch: each field normalised or refused with a reason, duplicates found.

Pure functions over the rows read by `reader`; the only database read is the institution's open
cases' (ID number, card/contract number) pairs, done once per batch by `open_case_keys`.
Error messages are stored as their English source text with parameters and translated when shown,
so the preview and the error report follow the reader's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from xietong.core.spreadsheets import formula_like
from xietong.core.validators import FULLWIDTH, normalize_phone, resident_id_number
from xietong.intake.validators import amount_text

from .columns import AMOUNT_FIELDS, EXAMPLE_CONTRACT, FIELD_BY_KEY, FIELDS, PRODUCT_ALIASES, header_key

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DAYS_RE = re.compile(r"\d{1,6}", re.ASCII)
YES = {"是", "同意", "y", "yes", "true", "1", "√", "✓", "已同意"}
NO = {"否", "不同意", "n", "no", "false", "0", "", "×"}
FORMULA_REFUSED = frozenset({"address", "service_address"})
FORMULA_MESSAGE = gettext_noop(
    "Must not begin with =, +, -, @ or a tab: spreadsheet programs would take it for a formula."
)
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
    if formula_like(name):
        raise FieldError(FORMULA_MESSAGE, "formula")
    # No character is both a letter and a digit: an all-letter name (the usual) needs no scan.
    if not name.isalpha() and any(ch.isdigit() for ch in name):
        raise FieldError(gettext_noop("A name has no digits."), "name_digits")
    return name


def check_id_number(value: Any, *, today: dt.date | None = None) -> str:
    return _check_id_text(_digits_text(value, "ID number"), today)


def _check_id_text(text: str, today: dt.date | None) -> str:
    if not text:
        raise FieldError(gettext_noop("Required."), "required")
    try:
        return resident_id_number(text, today=today)
    except ValidationError as e:
        raise FieldError(_validation_text(e), e.code or "id_number") from None


def check_phone(value: Any, *, required: bool = True) -> str:
    return _check_phone_text(_digits_text(value, "phone number"), required)


def _check_phone_text(text: str, required: bool = True) -> str:
    if not text:
        if required:
            raise FieldError(gettext_noop("Required."), "required")
        return ""
    try:
        return normalize_phone(text)
    except ValidationError as e:
        raise FieldError(_validation_text(e), e.code or "phone") from None


def check_contract(value: Any) -> str:
    return _check_contract_text(_digits_text(value, "card or contract number"))


def _check_contract_text(text: str) -> str:
    if not text.isascii():  # FULLWIDTH maps no ASCII character
        text = text.translate(FULLWIDTH)
    text = text.replace(" ", "").upper()
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
    return _check_amount_text(text, required)


def _check_amount_text(text: str, required: bool) -> str:
    if not text:
        if required:
            raise FieldError(gettext_noop("Required."), "required")
        return "0.00"
    try:
        return amount_text(text)  # str(parse_amount(text))
    except ValidationError as e:
        raise FieldError(_validation_text(e), e.code or "amount") from None


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
    if not DAYS_RE.fullmatch(text):
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
    return _check_email_text(_text(value))


def _check_email_text(text: str) -> str:
    if not text.isascii():  # FULLWIDTH maps no ASCII character
        text = text.translate(FULLWIDTH)
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise FieldError(gettext_noop("Not an e-mail address."), "email") from None
    return text.lower()


def check_free_text(value: Any, key: str) -> str:
    return _check_free_text(_text(value), key)


def _check_free_text(text: str, key: str) -> str:
    if len(text) > MAX_TEXT[key]:
        raise FieldError(gettext_noop("Too long (at most %(max)s characters)."), "too_long", max=MAX_TEXT[key])
    if key in FORMULA_REFUSED and formula_like(text):
        raise FieldError(FORMULA_MESSAGE, "formula")
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
    values: dict[str, str] | None = None,
) -> CheckResult:
    """Check each row; mark repeats within the file and rows matching an open case (same ID and card/contract).

    Each field's value or error is what `_check_field` gives for its cell. A text cell is checked by its
    stripped text (the row's raw text: the same outcome); the fields whose values repeat keep their
    outcomes by value for this call (the checks are pure). A row with an error is checked again field
    by field, to collect every error in order. `values`: the value of a field that has no column, the same
    for every row (set for the whole file; see columns.WHOLE_FILE).
    """
    values = values or {}
    today = today or timezone.localdate()
    column_names = {key: headers[i] for key, i in columns.items()}
    position = {key: p for p, key in enumerate(columns)}
    # Per field in FIELDS order: the check of a text cell, the check of any other cell, the position of
    # the field's cell among the row's picked cells (a field without a column gets the constant "").
    plan = []
    for f in FIELDS:
        text_check: Callable[[str], Any] = _text_check(f.key, today)
        value_check: Callable[[Any], Any] = _value_check(f.key, today)
        if f.key not in columns:
            text_check = value_check = _constant(text_check, str(values.get(f.key, "")))
        elif f.key in MEMO_FIELDS:
            text_check, value_check = _memoised(text_check, value_check)
        plan.append((text_check, value_check, position.get(f.key, 0)))
    field_keys = tuple(f.key for f in FIELDS)
    field_columns = tuple(column_names.get(f.key, f.header) for f in FIELDS)
    keys = tuple(columns)
    indexes = tuple(columns.values())
    last = max(indexes, default=-1)
    pick = itemgetter(*indexes) if len(indexes) >= 2 and min(indexes) >= 0 else None
    other_cells: list[Any] = []  # the row's cells that are not text (numbers and dates from an XLSX)

    def other_text(cell: Any) -> str:
        other_cells.append(cell)
        if type(cell) is float:  # _text of a float, the usual other cell
            return str(int(cell)) if cell.is_integer() else str(cell)
        return _text(cell)

    # The rows kept so far by ID number and card/contract number: a checked ID number has 18 characters,
    # so the two side by side make a key as unique as the pair (and lighter).
    seen: dict[str | tuple[str, str], int] = {}
    results: list[RowResult] = []
    for number, cells in rows:
        width = len(cells)
        picked: Any
        if pick is not None and width > last:
            picked = pick(cells)
        else:
            picked = [cells[i] if i < width else "" for i in indexes] or [""]
        texts = [c.strip() if type(c) is str else other_text(c) for c in picked]
        raw = dict(zip(keys, texts, strict=False))
        errors: list[dict[str, Any]] = []
        try:
            if other_cells:
                other_cells.clear()
                outcomes = [
                    text_check(texts[p]) if type(picked[p]) is str else value_check(picked[p])
                    for text_check, value_check, p in plan
                ]
            else:
                outcomes = [text_check(texts[p]) for text_check, _, p in plan]
            data = dict(zip(field_keys, outcomes, strict=True))
        except FieldError:
            data = {}
            for key, column, (text_check, value_check, p) in zip(field_keys, field_columns, plan, strict=True):
                try:
                    data[key] = text_check(texts[p]) if type(picked[p]) is str else value_check(picked[p])
                except FieldError as e:
                    errors.append(
                        {
                            "field": key,
                            "column": column,
                            "code": e.code,
                            "message": e.message,
                            "params": {k: str(v) for k, v in e.params.items()},
                        }
                    )
        if "overdue_days" in data and data["overdue_days"] is None and "overdue_since" in data:
            data["overdue_days"] = (today - dt.date.fromisoformat(data["overdue_since"])).days
        is_duplicate = False
        if "id_number" in data and "contract_number" in data:
            id_number, contract = data["id_number"], data["contract_number"]
            dup_key = id_number + contract if len(id_number) == 18 else (id_number, contract)
            first = seen.get(dup_key)
            if first is not None:
                is_duplicate = True
                errors.append(
                    _dup(
                        column_names,
                        "duplicate_in_file",
                        gettext_noop("Same person and card/contract as row %(row)s."),
                        row=first,
                    )
                )
            elif open_keys and (id_number, contract) in open_keys:
                is_duplicate = True
                errors.append(
                    _dup(
                        column_names,
                        "duplicate_open_case",
                        gettext_noop("This person already has an open case for this card/contract."),
                    )
                )
            else:
                seen[dup_key] = number
        results.append(RowResult(number, raw, data, errors, is_duplicate, column_names))
    return CheckResult(rows=results)


MEMO_FIELDS = frozenset({"name", "product", "overdue_since", "overdue_days", "consent_e_service"})
MEMO_TYPES = frozenset({int, float, bool, dt.date, dt.datetime})  # cells other than text memoised by (type, value)
MEMO_MAX = 50_000  # outcomes kept per field and call
_MISSING = object()


def _outcome(check: Callable[[Any], Any], value: Any) -> Any:
    """The check's value, or its FieldError."""
    try:
        return check(value)
    except FieldError as e:
        return e


def _give(outcome: Any) -> Any:
    if outcome.__class__ is FieldError:
        raise outcome.with_traceback(None)
    return outcome


def _constant(text_check: Callable[[str], Any], text: str = "") -> Callable[[Any], Any]:
    """The check of a field that has no column: of "" (or the value given for the whole file) in every row."""
    outcome = _outcome(text_check, text)
    return lambda value: _give(outcome)


def _memoised(
    text_check: Callable[[str], Any], value_check: Callable[[Any], Any]
) -> tuple[Callable[[str], Any], Callable[[Any], Any]]:
    """The two checks of a field, each outcome kept by text (for text cells) or by type and value."""
    memo: dict[Any, Any] = {}

    def recall(key: Any, check: Callable[[Any], Any], value: Any) -> Any:
        outcome = memo.get(key, _MISSING)
        if outcome is _MISSING:
            outcome = _outcome(check, value)
            if len(memo) < MEMO_MAX:
                memo[key] = outcome
        return _give(outcome)

    def check_text(text: str) -> Any:
        return recall(text, text_check, text)

    def check_value(value: Any) -> Any:
        if value.__class__ not in MEMO_TYPES:
            return value_check(value)
        return recall((value.__class__, value), value_check, value)

    return check_text, check_value


def _text_check(key: str, today: dt.date) -> Callable[[str], Any]:
    """The check of a text cell given its stripped text: the same outcome as `_check_field` on the cell."""
    if key == "id_number":
        return lambda text: _check_id_text(text, today)
    if key in ("phone", "service_phone"):
        required = key == "phone"
        return lambda text: _check_phone_text(text, required)
    if key == "contract_number":
        return _check_contract_text
    if key in AMOUNT_FIELDS:
        required = FIELD_BY_KEY[key].required
        return lambda text: _check_amount_text(text, required)
    if key == "overdue_since":
        return lambda text: check_date(text, today=today)
    simple: dict[str, Callable[[str], Any]] = {
        "name": check_name,
        "product": check_product,
        "overdue_days": check_days,
        "consent_e_service": check_consent,
        "service_email": _check_email_text,
    }
    return simple.get(key) or (lambda text: _check_free_text(text, key))


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


def _amount_check(required: bool) -> Callable[[Any, dt.date], str]:
    return lambda value, today: check_amount(value, required=required)


# Field key → its check of a cell (any other field is free text: `check_free_text`).
_FIELD_CHECKS: dict[str, Callable[[Any, dt.date], Any]] = {
    "name": lambda value, today: check_name(value),
    "id_number": lambda value, today: check_id_number(value, today=today),
    "phone": lambda value, today: check_phone(value),
    "service_phone": lambda value, today: check_phone(value, required=False),
    "contract_number": lambda value, today: check_contract(value),
    "product": lambda value, today: check_product(value),
    **{key: _amount_check(FIELD_BY_KEY[key].required) for key in AMOUNT_FIELDS},
    "overdue_since": lambda value, today: check_date(value, today=today),
    "overdue_days": lambda value, today: check_days(value),
    "consent_e_service": lambda value, today: check_consent(value),
    "service_email": lambda value, today: check_email(value),
}


def _value_check(key: str, today: dt.date) -> Callable[[Any], Any]:
    """`_check_field` for this field and date, as a function of the cell."""
    check = _FIELD_CHECKS.get(key)
    if check is None:
        return lambda value: check_free_text(value, key)
    return lambda value: check(value, today)


def _check_field(key: str, value: Any, *, today: dt.date) -> Any:
    check = _FIELD_CHECKS.get(key)
    if check is None:
        return check_free_text(value, key)
    return check(value, today)

"""Chinese identifiers: resident ID numbers (GB 11643), unified social credit codes (GB 32100), phones."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from operator import mul

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)  # ASCII: no digits of other scripts
_ID_ASCII_OFFSET = ord("0") * sum(ID_WEIGHTS)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # Fast path (17 ASCII digits): weigh the bytes, then take away the weighted code of "0".
        total = sum(map(mul, first17.encode(), ID_WEIGHTS)) - _ID_ASCII_OFFSET
    else:
        total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def normalize_id_number(value: str) -> str:
    return (value or "").translate(FULLWIDTH).strip().upper().replace(" ", "")


def parse_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number and derive birth date and sex.

    Raises ValidationError with a message that says what is wrong. `today` (the court's date) may be
    given by callers that check many numbers at once: finding it is most of the cost of one check.
    """
    number, birth = _check_resident_id(value, today)
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex)


def resident_id_number(value: str, *, today: dt.date | None = None) -> str:
    """`parse_resident_id(value, today=today).number`, without building the ResidentId (batch checks)."""
    return _check_resident_id(value, today)[0]


def _check_resident_id(value: str, today: dt.date | None) -> tuple[str, dt.date]:
    """The normalised number and its birth date; ValidationError as parse_resident_id says."""
    if type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit() and value[17] in _ID_LAST:
        # Fast path: 17 ASCII digits and a digit or X/x is already normalised (but for the x).
        number = value if value[17] != "x" else value[:17] + "X"
    else:
        number = normalize_id_number(value)
        if not ID_RE.match(number):
            raise ValidationError(
                _("An ID number has 18 characters: 17 digits and a final digit or X."), code="id_format"
            )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside this ID number does not exist."), code="id_birth") from None
    if birth.year < 1900 or birth > (today or timezone.localdate()):
        raise ValidationError(_("The birth date inside this ID number is not plausible."), code="id_birth")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("This ID number's check digit is wrong; please check every digit."), code="id_checksum")
    return number, birth


_ID_LAST = frozenset("0123456789Xx")


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").translate(FULLWIDTH).strip().upper().replace(" ", "")


def validate_uscc(value: str) -> None:
    """GB 32100 unified social credit code: 18 characters with a check character."""
    code = normalize_uscc(value)
    if not USCC_RE.match(code):
        raise ValidationError(
            _("A unified social credit code has 18 characters (digits and capital letters, no I, O, S, V, Z)."),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("This unified social credit code's check character is wrong."), code="uscc_checksum")


MAINLAND_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
INTERNATIONAL_RE = re.compile(r"^\+[1-9]\d{6,14}$", re.ASCII)

FULLWIDTH = str.maketrans("０１２３４５６７８９＋－（）　ｘＸ，．", "0123456789+-() xX,.", "")


PHONE_SEPARATORS_RE = re.compile(r"[\s\-()]")
_MOBILE_SECOND = frozenset("3456789")


def normalize_phone(value: str) -> str:
    """Mainland mobiles as 11 digits; every other number in E.164 form (+country...)."""
    if (
        type(value) is str
        and len(value) == 11
        and value[0] == "1"
        and value[1] in _MOBILE_SECOND
        and value.isascii()
        and value.isdigit()
    ):
        return value  # fast path: a plain mainland mobile is already normalised
    raw = (value or "").strip().translate(FULLWIDTH)
    cleaned = PHONE_SEPARATORS_RE.sub("", raw)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    if MAINLAND_MOBILE_RE.match(cleaned) or INTERNATIONAL_RE.match(cleaned):
        return cleaned
    raise ValidationError(
        _(
            "Enter a mainland mobile number (11 digits, e.g. 13800138000) or an international number "
            "with its country code (e.g. +62 812 3456 7890)."
        ),
        code="phone",
    )


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_timezone(value: str) -> None:
    """An IANA time zone name known to zoneinfo, such as Asia/Shanghai or Asia/Jakarta."""
    import zoneinfo

    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s."), code="timezone", params={"tz": value})


def validate_no_formula(value: str) -> None:
    """A name or an address is never text a spreadsheet would run as a formula (=, +, -, @, tab, CR first)."""
    from .spreadsheets import formula_like

    if formula_like(value):
        raise ValidationError(
            _("Must not begin with =, +, -, @ or a tab: spreadsheet programs would take it for a formula."),
            code="formula",
        )

"""Checks of what people type and upload at intake: amounts of money and attached files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from xietong.core.validators import FULLWIDTH

from .choices import DetectedType

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10

# Digits with optional thousands separators in groups of three, then at most two decimals.
AMOUNT_RE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$", re.ASCII)
AMOUNT_EXTRA = str.maketrans({"，": ",", "．": ".", "。": ".", "、": ","})
# The plain shapes of AMOUNT_RE, with groups, for `amount_text`'s fast path.
PLAIN_AMOUNT_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?", re.ASCII)
AMOUNT_CENTS_RE = re.compile(r"[\d,]*\.\d{3,}", re.ASCII)


def parse_amount(value: Any) -> Decimal:
    """An amount in yuan as people write it: "1,234.50", "１２３４．５", "¥800", "800元". Blank is zero.

    Refuses negative amounts, more than two decimals and separators in the wrong places ("1,2,3").
    """
    if isinstance(value, Decimal | int):
        text = str(value)
    elif value is None:
        return Decimal("0.00")
    else:
        text = str(value)
    text = text.translate(FULLWIDTH).translate(AMOUNT_EXTRA).strip().replace(" ", "")
    text = text.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    if not text:
        return Decimal("0.00")
    if text.startswith("-"):
        raise ValidationError(_("An amount cannot be negative."), code="amount_negative")
    if not AMOUNT_RE.match(text):
        if AMOUNT_CENTS_RE.fullmatch(text):
            raise ValidationError(_("An amount has at most two decimals (fen)."), code="amount_cents")
        raise ValidationError(
            _("Write the amount in yuan with digits, e.g. 1234.50 or 1,234.50."),
            code="amount_format",
        )
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(_("Write the amount in yuan with digits, e.g. 1234.50."), code="amount_format") from None
    if amount >= Decimal("1e12"):
        raise ValidationError(_("This amount is too large."), code="amount_too_large")
    return amount.quantize(Decimal("0.01"))


def amount_text(value: Any) -> str:
    """`str(parse_amount(value))` ("1234.50"), faster for text already in a plain shape ("1,234.5", "800")."""
    if type(value) is str:
        m = PLAIN_AMOUNT_RE.fullmatch(value)
        if m:
            whole = m[1].replace(",", "").lstrip("0") or "0"
            if len(whole) <= 12:  # under 1e12, else parse_amount refuses it
                cents = m[2]
                if cents is None:
                    return whole + ".00"
                return f"{whole}.{cents}" if len(cents) == 2 else f"{whole}.{cents}0"
    return str(parse_amount(value))


MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", DetectedType.PDF),
    (b"\xff\xd8\xff", DetectedType.JPEG),
    (b"\x89PNG\r\n\x1a\n", DetectedType.PNG),
]


@dataclass(frozen=True)
class CheckedFile:
    name: str
    size: int
    sha256: str
    detected_type: str


def check_upload(file: IO[bytes] | Any, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> CheckedFile:
    """Check size and type (by the first bytes of the content) and hash the file. Raises ValidationError."""
    name = str(getattr(file, "name", "") or "file")
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; each file may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(size), "max": filesizeformat(max_bytes)},
            code="file_too_large",
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    file.seek(0)
    head = file.read(16)
    detected = next((kind for magic, kind in MAGIC if head.startswith(magic)), None)
    if detected is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPG or PNG file (its content was checked, not its name).") % {"name": name},
            code="file_type",
        )
    file.seek(0)
    digest = hashlib.sha256()
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 16), b"")
    for chunk in chunks:
        digest.update(chunk)
    file.seek(0)
    return CheckedFile(name=name, size=size, sha256=digest.hexdigest(), detected_type=str(detected))

"""Masking of personal data in lists and for those who may not see it in full."""

from __future__ import annotations


def _mask(value: str | None, keep_start: int, keep_end: int) -> str:
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str | None) -> str:
    """350802********1234 → shows region and last four, never the birth date."""
    return _mask(value, 6, 4) if value and len(value) == 18 else _mask(value, 2, 2)


def mask_phone(value: str | None) -> str:
    """13800138000 → 138****8000; +6281234567890 → +62*******7890."""
    return _mask(value, 3, 4)

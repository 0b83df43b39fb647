"""Text kept as a message and its parameters, translated when it is shown.

A timeline note or an assignment reason written as "人工指派" stays Chinese for an English reader
(and the reverse). Kept as a message instead — the English msgid, marked for translation where it
is written (`gettext_noop`, or a lazy string), and its parameters — it is shown in the reader's
language. Parameters that are themselves translatable (a choice's label, a lazy string) are kept as
their msgid and translated too; numbers, dates and names are kept as text.

    note = message(gettext_noop("Version %(v)d: %(agreed)s yuan."), v=2, agreed=Decimal("100.00"))
    stored = note.to_json()         # {"msgid": "...", "params": {...}}, in a JSONField
    message_render(stored)          # "第 2 版：100.00 元。" under zh-hans
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


def _msgid(text: str | Promise) -> str:
    """The source text of a (lazy) translatable string: rendered with no translation active."""
    if isinstance(text, str):
        return text
    with translation.override(None):
        return str(text)


def _param(value: Any) -> Any:
    if isinstance(value, Promise):
        return {"msgid": _msgid(value)}
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)  # Decimal, a model's name: as text


@dataclass(frozen=True)
class Message:
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": {k: _param(v) for k, v in self.params.items()}}

    def __str__(self) -> str:
        return message_render(self.to_json())


def message(msgid: str | Promise, **params: Any) -> Message:
    return Message(msgid=_msgid(msgid), params=params)


def _render_param(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        return message_render(value)
    return value


def message_render(stored: Mapping[str, Any] | None, fallback: str = "") -> str:
    """A stored message in the current language (the fallback when there is none, or it is broken)."""
    if not stored or "msgid" not in stored:
        return fallback
    text = gettext(stored["msgid"])
    params = {k: _render_param(v) for k, v in (stored.get("params") or {}).items()}
    if not params:
        return text
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return fallback or stored["msgid"]

"""`{% load display %}`: amounts and who did what, as a person reads them.

`{{ case.total|yuan }}` → 190,000.00 (the fen kept, thousands grouped in every language: the Chinese
locale of Django groups nothing). `{{ event.actor_label|actor }}` → 张晓燕 rather than the audit trail's
"clerk (张晓燕)", 平台 rather than "system": the label the audit trail keeps names the login, which is
not for the parties' eyes (a self-registered party's login is their phone number).
`{{ person.timezone|zone }}` → 雅加达时间 (UTC+7) rather than the IANA key "Asia/Jakarta".
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext as _

from xietong.core.masking import mask_phone
from xietong.core.timezones import zone_label

register = template.Library()

_USER = re.compile(r"^\S+ \((?P<name>.+)\)$")  # accounts.User.audit_label: "login (full name)"
_API = re.compile(r"^api:\S+ (?P<name>.+)$")  # accounts.ApiClient.audit_label: "api:prefix name"
_LINK = re.compile(r"^link · (?P<name>.+)$")  # service: the addressee who opened an electronic link
_PHONE = re.compile(r"^\+?\d{7,}$")  # a login that is a phone number, with no full name beside it


@register.filter
def yuan(value: Any) -> str:
    """An amount of yuan with two decimals and grouped thousands; anything else unchanged ("", "—")."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def actor(label: Any) -> str:
    """Who acted, from an audit label: the person's name, the system's name, an API client's name."""
    text = str(label or "").strip()
    if not text:
        return ""
    if text == "system" or text.startswith("system ("):
        return _("the platform")
    if text == "self-registration":
        return _("self-registration")
    for pattern in (_API, _LINK, _USER):
        match = pattern.match(text)
        if match:
            return match.group("name")
    return mask_phone(text) if _PHONE.match(text) else text


@register.filter
def zone(name: Any, at: Any = None) -> str:
    """`{{ person.timezone|zone }}` → 雅加达时间 (UTC+7), not "Asia/Jakarta"; `{{ tz|zone:session.starts_at }}`
    gives the offset at that moment (summer time)."""
    return zone_label(str(name or ""), at if isinstance(at, dt.datetime) else None)

"""Time zones as people say them: "雅加达时间 (UTC+7)" / "Jakarta time (UTC+7)", never the raw IANA key
("Asia/Jakarta") that the database keeps and the API speaks.

    zone_label("Asia/Jakarta")                 # "雅加达时间 (UTC+7)" under zh-hans
    zone_label("Europe/London", at=summer)     # "London time (UTC+1)": the offset at that moment
    zone_message("Asia/Jakarta")               # the same as a Message, for a timeline note (core.messages)
    zone_choices(current="Asia/Kolkata")       # the zones offered in a select, each with its label

The zones the platform offers have translated place names; any other valid IANA zone is named after its
last part ("America/Sao_Paulo": "Sao Paulo"), untranslated, with its offset.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, gettext_noop

from .messages import Message, message

# The zones offered when a participant sets theirs (any valid IANA name is accepted all the same):
# where people of the region work or study abroad, and the financial centres.
PLACES: dict[str, Promise] = {
    "Asia/Shanghai": gettext_lazy("Beijing"),
    "Asia/Hong_Kong": gettext_lazy("Hong Kong"),
    "Asia/Taipei": gettext_lazy("Taipei"),
    "Asia/Jakarta": gettext_lazy("Jakarta"),
    "Asia/Makassar": gettext_lazy("Makassar"),
    "Asia/Kuala_Lumpur": gettext_lazy("Kuala Lumpur"),
    "Asia/Singapore": gettext_lazy("Singapore"),
    "Asia/Manila": gettext_lazy("Manila"),
    "Asia/Bangkok": gettext_lazy("Bangkok"),
    "Asia/Ho_Chi_Minh": gettext_lazy("Ho Chi Minh City"),
    "Asia/Tokyo": gettext_lazy("Tokyo"),
    "Asia/Seoul": gettext_lazy("Seoul"),
    "Asia/Dubai": gettext_lazy("Dubai"),
    "Europe/London": gettext_lazy("London"),
    "Europe/Berlin": gettext_lazy("Berlin"),
    "America/New_York": gettext_lazy("New York"),
    "America/Los_Angeles": gettext_lazy("Los Angeles"),
    "Australia/Sydney": gettext_lazy("Sydney"),
}
OFFERED: list[str] = list(PLACES)
LABEL = gettext_noop("%(place)s time (UTC%(offset)s)")


def _zone(name: str | None) -> tuple[str, zoneinfo.ZoneInfo]:
    try:
        return (name or settings.TIME_ZONE), zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return settings.TIME_ZONE, zoneinfo.ZoneInfo(settings.TIME_ZONE)


def utc_offset(name: str | None, at: dt.datetime | None = None) -> str:
    """The zone's offset from UTC at that moment (now by default): "+7", "+5:30", "-4", "+0"."""
    _key, zone = _zone(name)
    moment = at if at is not None and timezone.is_aware(at) else timezone.now()
    offset = moment.astimezone(zone).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_message(name: str | None, at: dt.datetime | None = None) -> Message:
    """The zone's human name as a message: shown in the reader's language wherever it is rendered."""
    key, _zone_info = _zone(name)
    place: Promise | str = PLACES.get(key) or key.rsplit("/", 1)[-1].replace("_", " ")
    return message(LABEL, place=place, offset=utc_offset(key, at))


def zone_label(name: str | None, at: dt.datetime | None = None) -> str:
    """ "雅加达时间 (UTC+7)" / "Jakarta time (UTC+7)", in the current language; the offset at `at` (now)."""
    return str(zone_message(name, at))


def zone_choices(current: str | None = None, at: dt.datetime | None = None) -> list[tuple[str, str]]:
    """(IANA key, human label) of the zones offered, and of `current` first if it is another one."""
    keys = list(OFFERED)
    key = _zone(current)[0]
    if key not in PLACES:
        keys.insert(0, key)
    return [(key, zone_label(key, at)) for key in keys]

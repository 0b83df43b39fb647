"""Time zones shown as people say them, in the reader's language, with the offset of the moment."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import translation

from xietong.core.messages import message_render
from xietong.core.timezones import OFFERED, utc_offset, zone_choices, zone_label, zone_message

SUMMER = dt.datetime(2030, 7, 1, 12, 0, tzinfo=dt.UTC)
WINTER = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)


def test_a_zone_is_its_place_and_offset_in_chinese_and_english():
    with translation.override("zh-hans"):
        assert zone_label("Asia/Jakarta") == "雅加达时间 (UTC+7)"
        assert zone_label("Asia/Shanghai") == "北京时间 (UTC+8)"
    with translation.override("en"):
        assert zone_label("Asia/Jakarta") == "Jakarta time (UTC+7)"
        assert zone_label("Asia/Shanghai") == "Beijing time (UTC+8)"


def test_the_offset_is_the_one_of_the_moment():
    with translation.override("en"):
        assert zone_label("Europe/London", WINTER) == "London time (UTC+0)"
        assert zone_label("Europe/London", SUMMER) == "London time (UTC+1)"
        assert zone_label("America/New_York", WINTER) == "New York time (UTC-5)"
    assert utc_offset("Asia/Kolkata") == "+5:30"


def test_a_zone_not_offered_keeps_its_city_and_a_broken_one_falls_back_to_beijing():
    with translation.override("zh-hans"):
        assert zone_label("America/Sao_Paulo", WINTER) == "Sao Paulo时间 (UTC-3)"
        assert zone_label("Not/AZone") == zone_label("") == "北京时间 (UTC+8)"


def test_every_zone_offered_has_a_chinese_name():
    with translation.override("zh-hans"):
        labels = [label for _key, label in zone_choices()]
    assert len(labels) == len(OFFERED) == len(set(labels))
    for label in labels:
        place = label.split("时间 (UTC")[0]
        assert place and not re.search(r"[A-Za-z]", place), label
    with translation.override("en"):
        assert [k for k, _l in zone_choices("Asia/Kolkata")][:2] == ["Asia/Kolkata", "Asia/Shanghai"]
        assert dict(zone_choices())["Asia/Ho_Chi_Minh"] == "Ho Chi Minh City time (UTC+7)"


def test_a_stored_note_names_the_zone_in_the_readers_language():
    stored = zone_message("Asia/Jakarta").to_json()
    with translation.override("zh-hans"):
        assert message_render(stored) == "雅加达时间 (UTC+7)"
    with translation.override("en"):
        assert message_render(stored) == "Jakarta time (UTC+7)"

"""Messages kept with their parameters and translated when shown, in the reader's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from xietong.core.messages import message, message_render


def test_a_message_written_in_chinese_reads_in_english_and_back():
    with translation.override("zh-hans"):
        note = message(
            gettext_noop("Version %(v)d: %(agreed)s yuan in %(n)d instalments."), v=2, agreed=Decimal("1200.50"), n=6
        )
        stored = note.to_json()
        written = str(note)
    assert stored == {
        "msgid": "Version %(v)d: %(agreed)s yuan in %(n)d instalments.",
        "params": {"v": 2, "agreed": "1200.50", "n": 6},
    }
    assert "1200.50" in written and "Version" not in written  # the writer read it in Chinese
    with translation.override("en"):
        assert message_render(stored) == "Version 2: 1200.50 yuan in 6 instalments."


def test_a_translatable_parameter_is_kept_as_its_msgid_and_translated_too():
    with translation.override("zh-hans"):
        stored = message(
            gettext_noop("%(signer)s · %(method)s"), signer="黄小明", method=gettext_lazy("Cases")
        ).to_json()
    assert stored["params"]["method"] == {"msgid": "Cases"}
    with translation.override("en"):
        assert message_render(stored) == "黄小明 · Cases"
    with translation.override("zh-hans"):
        assert message_render(stored) == "黄小明 · 案件"


def test_dates_and_broken_or_missing_messages():
    stored = message("on %(d)s", d=dt.date(2026, 12, 7)).to_json()
    assert stored["params"] == {"d": "2026-12-07"} and message_render(stored) == "on 2026-12-07"
    assert message_render(None, "as written") == "as written"
    assert message_render({"msgid": "%(x)s and %(y)s", "params": {"x": 1}}, "as written") == "as written"

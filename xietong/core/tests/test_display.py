"""How amounts, dates and the people who acted read on a page and in a court document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from xietong.core.templatetags.display import actor, yuan
from xietong.documents.render import chinese_date


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("190000.00"), "190,000.00"),
        (Decimal("27989126.87"), "27,989,126.87"),
        (Decimal("577.5"), "577.50"),
        (Decimal("0"), "0.00"),
        ("12800.50", "12,800.50"),
        (None, ""),
        ("—", "—"),
    ],
)
def test_amounts_keep_the_fen_and_group_the_thousands(value, shown):
    assert yuan(value) == shown


def test_amounts_are_grouped_in_chinese_too():
    # Django's own Chinese number format groups nothing (THOUSAND_SEPARATOR is empty).
    with translation.override("zh-hans"):
        html = Template("{% load display %}{{ v|yuan }}").render(Context({"v": Decimal("1234567.89")}))
    assert html == "1,234,567.89"


@pytest.mark.parametrize(
    ("label", "zh"),
    [
        ("clerk (张晓燕)", "张晓燕"),
        ("13905970111 (周春梅)", "周春梅"),  # a self-registered party's login is their phone number
        ("api:43a48391 建行诉调对接系统", "建行诉调对接系统"),
        ("link · 黄德明", "黄德明"),
        ("system", "平台"),
        ("system (demo loader)", "平台"),
        ("self-registration", "自助注册"),
        ("13905970111", "139****0111"),
        ("温振华", "温振华"),
        ("", ""),
    ],
)
def test_who_acted_reads_as_a_name_never_a_login(label, zh):
    with translation.override("zh-hans"):
        assert actor(label) == zh


def test_the_platform_in_english():
    with translation.override("en"):
        assert actor("system") == "the platform"


def test_court_documents_write_dates_without_leading_zeros():
    assert chinese_date(dt.date(2026, 10, 8)) == "2026年10月8日"
    assert chinese_date("2026-01-05") == "2026年1月5日"  # frozen content keeps ISO text

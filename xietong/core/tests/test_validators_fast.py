"""The fast paths of the ID number, check character and phone checks agree with the plain code.

The `reference_*` functions are the checks as they were before the fast paths.
"""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.core.exceptions import ValidationError

from xietong.core.idgen import id_number_from
from xietong.core.validators import (
    FULLWIDTH,
    ID_CHECK,
    ID_RE,
    ID_WEIGHTS,
    INTERNATIONAL_RE,
    MAINLAND_MOBILE_RE,
    ResidentId,
    id_check_char,
    normalize_id_number,
    normalize_phone,
    parse_resident_id,
    resident_id_number,
)

TODAY = dt.date(2026, 11, 26)


def reference_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def reference_parse_resident_id(value: str, *, today: dt.date) -> ResidentId:
    number = normalize_id_number(value)
    if not ID_RE.match(number):
        raise ValidationError("format", code="id_format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("birth", code="id_birth") from None
    if birth.year < 1900 or birth > today:
        raise ValidationError("birth", code="id_birth")
    if reference_id_check_char(number[:17]) != number[17]:
        raise ValidationError("checksum", code="id_checksum")
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex)


def reference_normalize_phone(value: str) -> str:
    raw = (value or "").strip().translate(FULLWIDTH)
    cleaned = re.sub(r"[\s\-()]", "", raw)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    if MAINLAND_MOBILE_RE.match(cleaned) or INTERNATIONAL_RE.match(cleaned):
        return cleaned
    raise ValidationError("phone", code="phone")


def outcome(check, value):
    try:
        return ("ok", check(value))
    except ValidationError as e:
        return ("refused", e.code)
    except ValueError as e:
        return ("ValueError", str(e))


def test_id_check_char_agrees_on_random_digits():
    rng = random.Random(1)
    for _ in range(20_000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert id_check_char(first17) == reference_id_check_char(first17)


@pytest.mark.parametrize(
    "first17",
    [
        "11010119900307123",
        "００００００００００００００００１",
        "\u0661" * 17,
        "1101011990030712",
        "110101199003071234",
        "1101011990030712X",
        "1101011990030712 ",
    ],
)
def test_id_check_char_agrees_on_other_text(first17):
    assert outcome(id_check_char, first17) == outcome(reference_id_check_char, first17)


def id_numbers() -> list[str]:
    good = [id_number_from(n) for n in (1, 2, 3, 77, 1234)]
    x_last = next(n for n in (id_number_from(k) for k in range(1, 500)) if n.endswith("X"))
    values = [*good, x_last, x_last.lower(), x_last[:-1] + "x"]
    for n in good[:2]:
        values += [
            " " + n + " ",
            n + "\n",
            n[:6] + " " + n[6:],
            n.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            n[:-1] + "\u0661",
            "\u0661" + n[1:],
            n[:-1] + ("0" if n[-1] != "0" else "1"),
            n[:17],
            n + "1",
            n[:10] + "13" + n[12:],
            n[:6] + "1899" + n[10:],
            n[:6] + "2030" + n[10:],
            n[:-1] + "Y",
            n[:5] + "X" + n[6:],
            n[:-1] + "Ｘ",
            n[:-1] + "ｘ",
        ]
    return [*values, "", "   ", "X" * 18, "1" * 18]


@pytest.mark.parametrize("value", id_numbers())
def test_parse_resident_id_agrees(value):
    assert outcome(lambda v: parse_resident_id(v, today=TODAY), value) == outcome(
        lambda v: reference_parse_resident_id(v, today=TODAY), value
    )
    expected = outcome(lambda v: reference_parse_resident_id(v, today=TODAY).number, value)
    assert outcome(lambda v: resident_id_number(v, today=TODAY), value) == expected


def test_parse_resident_id_agrees_on_random_numbers():
    rng = random.Random(2)
    for _ in range(5000):
        value = "".join(rng.choice("0123456789") for _ in range(17)) + rng.choice("0123456789Xx")
        value = value[:6] + rng.choice(["1985", "1899", "2030", value[6:10]]) + value[10:]
        assert outcome(lambda v: parse_resident_id(v, today=TODAY), value) == outcome(
            lambda v: reference_parse_resident_id(v, today=TODAY), value
        ), value


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "19912345678",
        "12800138000",
        "10800138000",
        "1380013800",
        "138001380000",
        " 13800138000 ",
        "13800138000\n",
        "+8613800138000",
        "+86 138 0013 8000",
        "008613800138000",
        "0086 138-0013-8000",
        "(138)00138000",
        "１３８００１３８０００",
        "1380013800０",
        "\u0661" + "3800138000",
        "+62 812 3456 7890",
        "+6281234567890",
        "0591-12345678",
        "23800138000",
        "+1",
        "",
        "   ",
        "abcdefghijk",
    ],
)
def test_normalize_phone_agrees(value):
    assert outcome(normalize_phone, value) == outcome(reference_normalize_phone, value)


def test_normalize_phone_agrees_on_random_numbers():
    rng = random.Random(3)
    for _ in range(5000):
        value = "".join(rng.choice("0123456789") for _ in range(rng.choice([10, 11, 11, 11, 12])))
        if rng.random() < 0.5:
            value = "1" + value[1:]
        assert outcome(normalize_phone, value) == outcome(reference_normalize_phone, value), value

"""The rule that proposes a suggestion, at each threshold's boundary (the p-values come from scipy)."""

from __future__ import annotations

import datetime as dt

import pytest

from xietong.suggestions.candidates import ALPHA, MIN_CASES, candidates, compare, months_back, stands_out

OTHERS = (1000, 10000)  # the other institutions pooled: 10%


def test_at_least_thirty_cases():
    assert stands_out(compare(15, MIN_CASES, 50, 1000))
    assert not stands_out(compare(15, MIN_CASES - 1, 50, 1000))  # far more significant, but too few cases


def test_twice_the_pooled_rate_of_the_others():
    at = compare(600, 3000, *OTHERS)
    below = compare(599, 3000, *OTHERS)
    assert at.ratio == pytest.approx(2.0) and at.p_value < ALPHA and stands_out(at)
    assert below.ratio < 2.0 and below.p_value < ALPHA and not stands_out(below)


def test_p_below_one_in_a_hundred():
    z = compare(10, 50, *OTHERS)  # expected cells all ≥ 5: the z-test
    assert z.test == "z" and z.ratio == pytest.approx(2.0)
    assert 0.009 < z.p_value < ALPHA and stands_out(z)
    small = compare(10, 45, *OTHERS)  # an expected cell below 5: Fisher's exact test
    assert small.test == "fisher" and small.ratio >= 2
    assert ALPHA < small.p_value < 0.013 and not stands_out(small)
    assert not stands_out(compare(4, 100, 20, 2000)) and stands_out(compare(5, 100, 20, 2000))


def test_the_z_statistic_is_the_pooled_two_proportion_z():
    c = compare(30, 100, 100, 1000)
    p = 130 / 1100
    z = (0.3 - 0.1) / (p * (1 - p) * (1 / 100 + 1 / 1000)) ** 0.5
    assert c.test == "z" and c.statistic == pytest.approx(z)


def _rows(per_month):
    """per_month: {month: (count, n)} for institution 1; the others (institution 2) at 10% every month."""
    rows = []
    for month, (count, n) in per_month.items():
        rows.append(
            {
                "institution_id": 1,
                "institution": "甲",
                "month": month,
                "defect": "d",
                "detail": "",
                "count": count,
                "denominator": n,
            }
        )
        rows.append(
            {
                "institution_id": 2,
                "institution": "乙",
                "month": month,
                "defect": "d",
                "detail": "",
                "count": 100,
                "denominator": 1000,
            }
        )
    return rows


TODAY = dt.date(2026, 12, 3)


def test_a_one_month_blip_is_not_a_candidate():
    assert months_back(TODAY, 3) == ["2026-10", "2026-11", "2026-12"]
    blip = _rows({"2026-10": (2, 40), "2026-11": (30, 40), "2026-12": (2, 40)})
    assert stands_out(compare(34, 120, 300, 3000))  # over the period it stands out …
    assert candidates(blip, today=TODAY) == []  # … but in one month only
    two = _rows({"2026-10": (2, 40), "2026-11": (20, 40), "2026-12": (12, 40)})
    (c,) = candidates(two, today=TODAY)
    assert c["institution_id"] == 1 and [m["stood_out"] for m in c["months"]] == [False, True, True]
    assert c["n"] == 120 and c["count"] == 34 and c["others_n"] == 3000


def test_register_rows_by_reason_are_not_counted_twice():
    rows = _rows({"2026-11": (20, 40), "2026-12": (12, 40)})
    rows += [dict(r, detail="amount") for r in rows]
    (c,) = candidates(rows, today=TODAY)
    assert c["count"] == 32 and c["n"] == 80

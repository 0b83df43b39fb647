"""The detectors measured on simulated series (no database): false alarms and time to detection."""

from __future__ import annotations

import numpy as np
import pytest

from xietong.risk.detectors import (
    EarsParams,
    FarringtonParams,
    detect_series,
    ears_poisson,
    farrington_glm,
    poisson_upper,
    seasonal_level,
    weekly,
)

# The stated rates (docs/risk.md): EARS/Poisson at most 0.005 alarm days per stratum-day and on
# average at most one false warning per stratum-year; the GLM at most 2 × alpha alarm weeks.
EARS_MAX_DAY_RATE = 0.005
EARS_MAX_WARNINGS_PER_YEAR = 1.0
GLM_MAX_WEEK_RATE = 2 * FarringtonParams().alpha


def episodes(alarms: list[bool]) -> int:
    """Warnings a run of alarms opens: one per run (the open warning is updated, not repeated)."""
    return sum(1 for i, a in enumerate(alarms) if a and (i == 0 or not alarms[i - 1]))


def test_poisson_upper_is_the_quantile():
    from scipy import stats

    for mu in (0.5, 2.0, 14.0):
        k = poisson_upper(mu, 0.001)
        assert stats.poisson.sf(k - 1, mu) <= 0.001 < stats.poisson.sf(k - 2, mu)


def test_ears_stable_year_stays_within_the_stated_false_alarm_rate():
    days = alarm_days = warnings = 0
    for seed in range(20):
        counts = np.random.default_rng(seed).poisson(2.0, 365)
        alarms = [ears_poisson(counts[: t + 1]).exceeds for t in range(35, 365)]
        days += len(alarms)
        alarm_days += sum(alarms)
        warnings += episodes(alarms)
    assert alarm_days / days <= EARS_MAX_DAY_RATE
    assert warnings / 20 <= EARS_MAX_WARNINGS_PER_YEAR


def test_glm_stable_year_stays_within_the_stated_false_alarm_rate():
    weeks = alarm_weeks = 0
    for seed in range(10):
        counts = np.random.default_rng(100 + seed).poisson(2.0, 3 * 364 + 7)
        for t in range(2 * 364, len(counts), 7):
            reading = farrington_glm(counts[: t + 1])
            assert reading is not None
            weeks += 1
            alarm_weeks += reading.exceeds
    assert alarm_weeks / weeks <= GLM_MAX_WEEK_RATE


@pytest.mark.parametrize("history_days", [300, 3 * 364])
def test_a_threefold_surge_for_two_weeks_is_found_within_the_first_week(history_days):
    for seed in range(10):
        rng = np.random.default_rng(200 + seed)
        counts = rng.poisson(2.0, history_days).astype(float)
        counts[-14:] = rng.poisson(6.0, 14)
        start = history_days - 14
        found = [detect_series(counts[: start + d]).exceeds for d in range(1, 8)]
        assert any(found), f"seed {seed}: not found in the first week"
        first = detect_series(counts[: start + found.index(True) + 1])
        expected = "farrington_glm" if history_days >= 78 * 7 else "ears_poisson"
        assert first.detector == expected
        assert first.params and first.why["code"] in ("ears", "farrington")


def test_a_new_stratum_needs_the_minimum_count():
    p = EarsParams()
    quiet = np.zeros(60)
    quiet[-1] = p.min_count - 1
    assert not ears_poisson(quiet).exceeds
    quiet[-2] = 1
    reading = ears_poisson(quiet)
    assert reading.exceeds and reading.threshold == p.min_count and reading.severity >= 1


def test_glm_needs_enough_history_and_downweights_past_outbreaks():
    rng = np.random.default_rng(5)
    assert farrington_glm(rng.poisson(2.0, 70 * 7)) is None
    counts = rng.poisson(2.0, 3 * 364 + 7).astype(float)
    clean = farrington_glm(counts)
    counts[400:414] += 20  # an outbreak a year and a half ago
    spoiled = farrington_glm(counts)
    assert clean is not None and spoiled is not None
    # The old outbreak raises the threshold a little at most, thanks to the reweighting.
    assert spoiled.threshold <= clean.threshold * 1.6


def test_weeks_and_seasons():
    assert list(weekly(np.arange(15))) == [sum(range(1, 8)), sum(range(8, 15))]
    levels = seasonal_level(np.arange(0, 52))
    assert set(levels) == set(range(10))
    assert all(levels[d] == 0 for d in (0, 1, 2, 3, 49, 50, 51))

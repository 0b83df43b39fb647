"""The detection methods, on plain arrays of daily counts (no database): see docs/risk.md.

* `ears_poisson` — for short histories. The EARS C-family layout (Hutwagner et al. 2003): the
  current window (the last 7 days) against a baseline that ends before it (the 28 days before the
  window), with an upper Poisson quantile for the threshold instead of mean + 3 sd (counts here are
  small and sparse, where the C2 standard deviation is unstable) and a minimum count.
* `farrington_glm` — once there is enough history (at least 78 weeks). A quasi-Poisson GLM on the
  weekly counts in the style of Farrington et al. (1996) as improved by Noufaily et al. (2013):
  reference weeks up to 26 weeks before the current one, a linear trend, Noufaily's 10-level
  seasonal factor, down-weighting of past outbreaks (Anscombe residuals above 2.58), and the
  threshold an upper quantile of the negative binomial with the fitted mean and dispersion.

Both are evaluated on rolling 7-day weeks that end on the detection day, so a daily run needs no
calendar alignment. Each returns a `Reading`: what was seen, the baseline, the threshold, whether it
exceeds, the severity and the parameters that were used (stored with every warning).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

EARS = "ears_poisson"
FARRINGTON = "farrington_glm"
CLUSTER = "respondent_cluster"

WEEK = 7


@dataclass(frozen=True)
class EarsParams:
    window_days: int = 7
    baseline_days: int = 28
    alpha: float = 0.001  # one-sided; false alarms per stratum-day at most about this
    min_count: int = 5  # at least this many in the window, whatever the baseline
    min_rate: float = 1 / 28  # a baseline of zero is taken as one dispute in four weeks

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class FarringtonParams:
    min_history_weeks: int = 78
    max_reference_weeks: int = 156
    guard_weeks: int = 26  # the most recent weeks are left out of the reference (Noufaily)
    seasonal_levels: bool = True  # Noufaily's 10-level factor (needs two years of reference)
    reweight_threshold: float = 2.58
    alpha: float = 0.005  # upper quantile 1 - alpha
    min_count_4_weeks: int = 5  # Farrington: no alarm on fewer than this in the last 4 weeks

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Reading:
    detector: str
    observed: int
    baseline: float
    threshold: float
    exceeds: bool
    severity: int  # 0 none, 1 watch, 2 warning, 3 alarm
    params: dict[str, Any] = field(default_factory=dict)
    why: dict[str, Any] = field(default_factory=dict)  # {"code": ..., "params": {...}}


def severity_of(observed: float, threshold: float, exceeds: bool) -> int:
    """1 at the threshold, 2 at 1.5 times it, 3 at 2.5 times it."""
    if not exceeds:
        return 0
    ratio = observed / max(threshold, 1.0)
    return 3 if ratio >= 2.5 else 2 if ratio >= 1.5 else 1


def poisson_upper(mu: float, alpha: float) -> int:
    """The smallest k with P(X >= k) <= alpha for X ~ Poisson(mu)."""
    # P(X >= k) = sf(k - 1); isf gives the smallest q with sf(q) <= alpha, so k = q + 1.
    return int(stats.poisson.isf(alpha, mu)) + 1


def ears_poisson(counts: np.ndarray, params: EarsParams | None = None) -> Reading:
    """`counts`: daily counts, the last element being the detection day."""
    p = params or EarsParams()
    counts = np.asarray(counts, dtype=float)
    window = counts[-p.window_days :]
    baseline: np.ndarray = (
        counts[-(p.window_days + p.baseline_days) : -p.window_days] if len(counts) > p.window_days else np.zeros(0)
    )
    observed = int(window.sum())
    days_used = len(baseline)
    rate = float(np.mean(baseline)) if days_used else 0.0
    mu = p.window_days * max(rate, p.min_rate)
    threshold = max(poisson_upper(mu, p.alpha), p.min_count)
    exceeds = observed >= threshold
    z = (observed - mu) / math.sqrt(mu)
    return Reading(
        detector=EARS,
        observed=observed,
        baseline=round(mu, 4),
        threshold=float(threshold),
        exceeds=exceeds,
        severity=severity_of(observed, threshold, exceeds),
        params={**p.as_dict(), "baseline_days_used": days_used},
        why={
            "code": "ears",
            "params": {
                "observed": observed,
                "days": p.window_days,
                "expected": round(mu, 2),
                "threshold": threshold,
                "z": round(z, 2),
            },
        },
    )


def weekly(counts: np.ndarray) -> np.ndarray:
    """Rolling weeks ending on the last day: element -1 is the last 7 days, -2 the 7 before, ..."""
    counts = np.asarray(counts, dtype=float)
    n = len(counts) // WEEK
    if n == 0:
        return np.zeros(0)
    tail = counts[len(counts) - n * WEEK :]
    return tail.reshape(n, WEEK).sum(axis=1)


def seasonal_level(offset: np.ndarray) -> np.ndarray:
    """Noufaily's 10 levels: weeks within 3 of the current week's position in a year are level 0,
    the other 45 weeks of the 52 fall into 9 blocks of 5."""
    d = np.mod(offset, 52)
    level = np.where((d <= 3) | (d >= 49), 0, 1 + (d - 4) // 5)
    return level.astype(int)


def farrington_glm(counts: np.ndarray, params: FarringtonParams | None = None) -> Reading | None:
    """None when the history is too short for the method (the caller falls back to `ears_poisson`)."""
    import statsmodels.api as sm

    p = params or FarringtonParams()
    weeks = weekly(counts)
    if len(weeks) < p.min_history_weeks:
        return None
    current = float(weeks[-1])
    last4 = float(weeks[-4:].sum())
    ref = weeks[:-1][-p.max_reference_weeks :]
    ref = ref[: len(ref) - (p.guard_weeks - 1)] if p.guard_weeks > 1 else ref
    n = len(ref)
    # Offsets in weeks back from the current week: the current is 0, the newest reference guard_weeks.
    offset = np.arange(n, 0, -1) + (p.guard_weeks - 1)
    t = -offset.astype(float)  # time, with the current week at 0
    columns = [np.ones(n), t / 52.0]
    names = ["intercept", "trend"]
    use_seasons = p.seasonal_levels and n >= 104
    if use_seasons:
        level = seasonal_level(offset)
        for lv in range(1, 10):
            columns.append((level == lv).astype(float))
            names.append(f"season_{lv}")
    x = np.column_stack(columns)
    x0 = np.zeros(x.shape[1])
    x0[0] = 1.0  # current week: time 0, seasonal level 0

    if ref.sum() == 0:
        mu0, phi, trend_used = 0.0, 1.0, False
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(ref, x, family=sm.families.Poisson()).fit(scale="X2")
            phi = max(float(fit.scale), 1.0)
            # Noufaily: down-weight past outbreaks by their scaled Anscombe residuals, then refit.
            mu = fit.mu
            h = fit.get_influence().hat_matrix_diag
            anscombe = 1.5 * (np.power(ref, 2 / 3) - np.power(mu, 2 / 3)) / np.power(mu, 1 / 6)
            s = anscombe / np.sqrt(phi * np.clip(1 - h, 1e-6, None))
            w = np.where(s > p.reweight_threshold, 1.0 / np.square(s), 1.0)
            w = w * n / w.sum()
            fit = sm.GLM(ref, x, family=sm.families.Poisson(), var_weights=w).fit(scale="X2")
            phi = max(float(fit.scale), 1.0)
            mu0 = float(np.exp(x0 @ fit.params))
            trend_used = True
    mu0 = max(mu0, 1e-3)
    q = 1 - p.alpha
    if phi > 1.0 + 1e-9:
        # Negative binomial with mean mu0 and variance phi * mu0: size r = mu0 / (phi - 1).
        r = mu0 / (phi - 1.0)
        prob = r / (r + mu0)
        threshold = float(stats.nbinom.ppf(q, r, prob))
    else:
        threshold = float(stats.poisson.ppf(q, mu0))
    exceeds = current > threshold and last4 >= p.min_count_4_weeks
    return Reading(
        detector=FARRINGTON,
        observed=int(current),
        baseline=round(mu0, 4),
        threshold=threshold,
        exceeds=exceeds,
        severity=severity_of(current, threshold, exceeds),
        params={
            **p.as_dict(),
            "reference_weeks": n,
            "seasonal_factor_used": use_seasons,
            "fitted": trend_used,
            "dispersion": round(phi, 4),
            "terms": names,
        },
        why={
            "code": "farrington",
            "params": {
                "observed": int(current),
                "expected": round(mu0, 2),
                "threshold": threshold,
                "dispersion": round(phi, 2),
                "weeks": n,
            },
        },
    )


def detect_series(counts: np.ndarray) -> Reading:
    """The method the history allows: the GLM baseline once there is enough, else EARS/Poisson."""
    return farrington_glm(counts) or ears_poisson(counts)

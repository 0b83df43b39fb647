"""When an institution's defect rate stands out: the rule that proposes a judicial suggestion to the court.

A candidate is only a proposal shown with its figures; nothing is drafted or sent by itself.
See docs/suggestions.md for the rule and the tests it uses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from scipy.stats import chi2_contingency, fisher_exact, norm

MIN_CASES = 30  # the institution's denominator over the period
MIN_RATIO = 2.0  # its rate at least twice the pooled rate of the other institutions
ALPHA = 0.01  # one-sided p-value below this
PERSIST_MONTHS = 3  # not a one-month blip: it stood out in at least
PERSIST_NEEDED = 2  # two of the last three months (count > 0 and ratio ≥ MIN_RATIO that month)
SMALL_EXPECTED = 5  # any expected cell below this: Fisher's exact test instead of the z-test


@dataclass(frozen=True)
class Comparison:
    count: int
    n: int
    others_count: int
    others_n: int
    rate: float
    others_rate: float
    ratio: float | None  # None when the others' rate is 0
    test: str  # "fisher" or "z"
    statistic: float | None  # z for the z-test, the odds ratio for Fisher's test
    p_value: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def compare(count: int, n: int, others_count: int, others_n: int) -> Comparison:
    """One institution against the pooled others, one-sided (is its rate higher?)."""
    rate = count / n if n else 0.0
    others_rate = others_count / others_n if others_n else 0.0
    ratio = rate / others_rate if others_rate else None
    table = [[count, n - count], [others_count, others_n - others_count]]
    total = n + others_n
    defects = count + others_count
    expected = [n * defects, n * (total - defects), others_n * defects, others_n * (total - defects)]
    if not total or min(expected) < SMALL_EXPECTED * total or defects in (0, total):
        res = fisher_exact(table, alternative="greater")
        return Comparison(
            count,
            n,
            others_count,
            others_n,
            rate,
            others_rate,
            ratio,
            "fisher",
            float(res.statistic),
            float(res.pvalue),
        )
    # Pearson's χ² of the 2×2 table without continuity correction is the square of the pooled
    # two-proportion z statistic; its sign is that of the difference of the rates.
    chi2 = float(chi2_contingency(table, correction=False).statistic)
    z = math.copysign(math.sqrt(chi2), rate - others_rate)
    return Comparison(count, n, others_count, others_n, rate, others_rate, ratio, "z", z, float(norm.sf(z)))


def stands_out(c: Comparison) -> bool:
    """The size, ratio and significance rules (not the persistence rule, which needs the months)."""
    if c.n < MIN_CASES or c.count == 0:
        return False
    ratio_ok = c.others_rate == 0 or c.rate >= MIN_RATIO * c.others_rate
    return ratio_ok and c.p_value < ALPHA


def months_back(today: dt.date, k: int) -> list[str]:
    """The last k months (including the current one), "YYYY-MM", oldest first."""
    y, m = today.year, today.month
    out = []
    for _ in range(k):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def candidates(rows: list[dict[str, Any]], *, today: dt.date) -> list[dict[str, Any]]:
    """From defect-register rows (detail "" only: the totals per defect), the institutions that stand out."""
    period: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    monthly: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    names: dict[int, str] = {}
    for r in rows:
        if r["detail"]:
            continue
        names[r["institution_id"]] = r["institution"]
        for bucket in (
            period[r["defect"]][r["institution_id"]],
            monthly[(r["defect"], r["month"])][r["institution_id"]],
        ):
            bucket[0] += r["count"]
            bucket[1] += r["denominator"]
    recent = months_back(today, PERSIST_MONTHS)
    out = []
    for defect, by_inst in period.items():
        total_count = sum(v[0] for v in by_inst.values())
        total_n = sum(v[1] for v in by_inst.values())
        for inst_id, (count, n) in by_inst.items():
            c = compare(count, n, total_count - count, total_n - n)
            if not stands_out(c):
                continue
            months: list[dict[str, Any]] = []
            for month in recent:
                m = monthly.get((defect, month), {})
                mc, mn = m.get(inst_id, [0, 0])
                oc = sum(v[0] for k, v in m.items() if k != inst_id)
                on = sum(v[1] for k, v in m.items() if k != inst_id)
                orate = oc / on if on else 0.0
                out_that_month = mn > 0 and mc > 0 and (orate == 0 or mc / mn >= MIN_RATIO * orate)
                months.append({"month": month, "count": mc, "n": mn, "others_rate": orate, "stood_out": out_that_month})
            if sum(1 for m in months if m["stood_out"]) < PERSIST_NEEDED:
                continue
            out.append(
                {
                    "institution_id": inst_id,
                    "institution": names[inst_id],
                    "defect": defect,
                    "months": months,
                    **c.as_dict(),
                }
            )
    out.sort(key=lambda r: r["p_value"])
    return out

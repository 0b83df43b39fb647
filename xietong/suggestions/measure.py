"""The measure behind a suggestion: one defect of one institution over a window, against the others.

A `Query` holds the parameters that reproduce the figures (stored with the suggestion as
`snapshot_query`): the defect (and its detail, if any), the institution, and the window [since, until)
as exact times. `run(query)` computes the figures from the defect register; the suggestion keeps
them as they were (`snapshot`), and the effect review runs the same measure again over the months
after the institution answered.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .candidates import compare
from .choices import Defect
from .selectors import defect_cases, defect_register

MEASURE = "defect_register"
DEFAULT_MONTHS = 6


@dataclass(frozen=True)
class Query:
    defect: str
    institution_id: int
    since: dt.datetime
    until: dt.datetime
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": MEASURE,
            "defect": self.defect,
            "detail": self.detail,
            "institution_id": self.institution_id,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Query | None:
        """The stored query, or None when the suggestion was drafted without figures."""
        if not data or data.get("measure") != MEASURE or data.get("defect") not in Defect.values:
            return None
        try:
            return cls(
                defect=str(data["defect"]),
                institution_id=int(data["institution_id"]),
                since=dt.datetime.fromisoformat(str(data["since"])),
                until=dt.datetime.fromisoformat(str(data["until"])),
                detail=str(data.get("detail") or ""),
            )
        except (KeyError, TypeError, ValueError):
            return None


def query_for(
    *, institution_id: int, defect: str, detail: str = "", months: int = DEFAULT_MONTHS, now: dt.datetime | None = None
) -> Query:
    """The last `months` months up to now (31 days a month, as the candidates page counts them)."""
    until = now or timezone.now()
    return Query(
        defect=defect,
        institution_id=institution_id,
        since=until - dt.timedelta(days=31 * months),
        until=until,
        detail=detail,
    )


def _month_of(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m")


def _monthly(rows: list[dict[str, Any]], q: Query) -> dict[str, dict[str, list[int]]]:
    """month → {"inst": [count, n], "others": [count, n]}."""
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"inst": [0, 0], "others": [0, 0]})
    for r in rows:
        if r["defect"] != q.defect or r["detail"] != q.detail:
            continue
        side = "inst" if r["institution_id"] == q.institution_id else "others"
        out[r["month"]][side][0] += r["count"]
        out[r["month"]][side][1] += r["denominator"]
    return out


def _rate(count: int, n: int) -> float | None:
    return count / n if n else None


def run(q: Query) -> dict[str, Any]:
    """The figures of the query: the institution against the pooled others, and month by month."""
    rows = defect_register(since=q.since, until=q.until)
    monthly = _monthly(rows, q)
    count = sum(m["inst"][0] for m in monthly.values())
    n = sum(m["inst"][1] for m in monthly.values())
    others_count = sum(m["others"][0] for m in monthly.values())
    others_n = sum(m["others"][1] for m in monthly.values())
    out: dict[str, Any] = {
        "institution_id": q.institution_id,
        "defect": q.defect,
        "detail": q.detail,
        "count": count,
        "n": n,
        "others_count": others_count,
        "others_n": others_n,
        "rate": _rate(count, n) or 0.0,
        "others_rate": _rate(others_count, others_n) or 0.0,
        "months": [
            {
                "month": m,
                "count": v["inst"][0],
                "n": v["inst"][1],
                "others_count": v["others"][0],
                "others_n": v["others"][1],
            }
            for m, v in sorted(monthly.items())
        ],
    }
    if n:
        c = compare(count, n, others_count, others_n)
        out.update({"ratio": _finite(c.ratio), "test": c.test, "statistic": _finite(c.statistic), "p_value": c.p_value})
    return out


def _finite(value: float | None) -> float | None:
    """JSON holds no infinity (an odds ratio against others with no defect): None instead."""
    return value if value is not None and math.isfinite(value) else None


def source_case_ids(q: Query) -> list[int]:
    return list(
        defect_cases(defect=q.defect, institution=q.institution_id, since=q.since, until=q.until, detail=q.detail)
        .values_list("pk", flat=True)
        .distinct()
    )


def effect(
    *, query: Query, drafted_at: dt.datetime, answered_at: dt.datetime | None, review_months: int, now: dt.datetime
) -> dict[str, Any]:
    """Before and after: the stored query run again ("before", its own window), and the same measure over
    the `review_months` months from the answer ("after", up to now if they have not all passed), with
    the institution's and the others' rate month by month from the window's start to now."""
    from .services import add_months

    rows = defect_register(since=query.since, until=now)
    monthly = _monthly(rows, query)
    before_end = _month_of(query.until)
    after_from = after_to = None
    due_on = None
    if answered_at is not None:
        due_on = add_months(timezone.localtime(answered_at).date(), review_months)
        after_from = answered_at
        after_to = min(now, timezone.make_aware(dt.datetime.combine(due_on, dt.time.min)))
    series = []
    for m in sorted(monthly):
        v = monthly[m]
        if m < before_end:
            phase = "before"
        elif after_from is None or after_to is None or m < _month_of(after_from):
            phase = "between"
        elif m <= _month_of(after_to):
            phase = "after"
        else:
            phase = "later"
        series.append(
            {
                "month": m,
                "phase": phase,
                "count": v["inst"][0],
                "n": v["inst"][1],
                "rate": _rate(*v["inst"]),
                "others_rate": _rate(*v["others"]),
            }
        )
    before = run(query)
    out: dict[str, Any] = {
        "query": query.as_dict(),
        "series": series,
        "before": {"count": before["count"], "n": before["n"], "rate": _rate(before["count"], before["n"]),
                   "others_rate": _rate(before["others_count"], before["others_n"])},
        "after": None,
        "due_on": due_on.isoformat() if due_on else None,
        "computed_at": now.isoformat(),
    }  # fmt: skip
    if after_from is not None and after_to is not None and after_to > after_from:
        a = run(Query(query.defect, query.institution_id, after_from, after_to, query.detail))
        out["after"] = {
            "since": after_from.isoformat(),
            "until": after_to.isoformat(),
            "count": a["count"],
            "n": a["n"],
            "rate": _rate(a["count"], a["n"]),
            "others_rate": _rate(a["others_count"], a["others_n"]),
            "complete": due_on is not None and timezone.localtime(now).date() >= due_on,
        }
    return out

"""Repayment's section of the case's status document (`xietong/cases/status.py`): the plan in force,
what is paid and owed, and the next instalment due (the document's `next`).

Registered in `RepaymentConfig.ready()`. The document is rebuilt with each timeline event; the
services that change the plan after their last event of a transaction (the daily follow-up, the
acceptance of enforcement) call `case_status_refresh` themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xietong.cases.schemas import LABELS, StatusNextOut
from xietong.cases.status import Labels

from .choices import OPEN_PLAN_STATUSES, InstalmentState, PlanStatus
from .models import PlanInstalment, RepaymentPlan

MONEY = "Yuan, two decimals"
SETTLED = frozenset({InstalmentState.PAID, InstalmentState.WAIVED})
INSTALMENT_DUE = _("Instalment due")


class NextInstalmentOut(Schema):
    seq: int
    due_on: dt.date = Field(description="When it falls due (after a hardship suspension: when lateness starts)")
    outstanding: str = Field(description=MONEY)


class RepaymentStatusOut(Schema):
    plan_version: int
    status: str
    status_label: dict[str, str] = Field(description=LABELS)
    total: str = Field(description=MONEY)
    paid: str = Field(description=MONEY)
    waived: str = Field(description=MONEY)
    balance: str = Field(description=MONEY)
    instalments: int
    instalments_settled: int = Field(description="Paid or waived")
    next_instalment: NextInstalmentOut | None = Field(description="The first instalment not settled (open plans)")
    next: StatusNextOut | None


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


def repayment_status_sections(case_ids: list[int]) -> Mapping[int, Mapping[str, Any]]:
    """The section of each case that has a plan in force (two queries for all of them)."""
    plans = list(
        RepaymentPlan.objects.filter(case_id__in=case_ids)
        .exclude(status=PlanStatus.SUPERSEDED)
        .values("pk", "case_id", "version", "status", "total", "paid", "waived", "lateness_from")
    )
    if not plans:
        return {}
    rows: dict[int, list[tuple[int, dt.date, Decimal, Decimal, Decimal, str]]] = {}
    for plan_id, *rest in (
        PlanInstalment.objects.filter(plan_id__in=[p["pk"] for p in plans])
        .order_by("plan_id", "seq")
        .values_list("plan_id", "seq", "due_date", "amount", "paid", "waived", "state")
    ):
        rows.setdefault(plan_id, []).append(tuple(rest))  # type: ignore[arg-type]
    labels = Labels()
    sections: dict[int, dict[str, Any]] = {}
    for p in plans:
        instalments = rows.get(p["pk"], [])
        settled = [i for i in instalments if i[5] in SETTLED or i[2] - i[3] - i[4] <= 0]
        next_instalment = next_date = None
        if p["status"] in OPEN_PLAN_STATUSES:
            for seq, due_date, amount, paid, waived, state in instalments:
                if state in SETTLED or amount - paid - waived <= 0:
                    continue
                lateness_from = p["lateness_from"]
                due_on = lateness_from if lateness_from is not None and lateness_from > due_date else due_date
                next_instalment = {"seq": seq, "due_on": due_on, "outstanding": _yuan(amount - paid - waived)}
                next_date = {
                    "kind": "instalment_due",
                    "label": labels.of("next", "instalment_due", INSTALMENT_DUE),
                    "on": due_on,
                    "at": None,  # due by the day's end, at no particular time
                }
                break
        sections[p["case_id"]] = {
            "plan_version": p["version"],
            "status": p["status"],
            "status_label": labels.of("plan", p["status"], PlanStatus(p["status"]).label),
            "total": _yuan(p["total"]),
            "paid": _yuan(p["paid"]),
            "waived": _yuan(p["waived"]),
            "balance": _yuan(p["total"] - p["paid"] - p["waived"]),
            "instalments": len(instalments),
            "instalments_settled": len(settled),
            "next_instalment": next_instalment,
            "next": next_date,
        }
    return sections

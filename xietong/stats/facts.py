"""A case's fact, derived from the raw tables: the one derivation behind the rollup, the rebuild and
the raw comparison of the benchmark. Reads only. See measures.py for what each part means."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xietong.cases.choices import CaseState
from xietong.cases.definitions import (
    CLOSED_STATES,
    CONFIRMATION_NUMBER,
    ENFORCEABLE_STATE,
    ENFORCEMENT_NUMBER,
    LITIGATION_NUMBERS,
    MEDIATION_FAILURE,
    MEDIATION_SUCCESS,
    SETTLED_STATES,
    closed_within_target,
    days_to_close,
)
from xietong.cases.models import Case, CaseEvent, CaseNumber

from .cubes import KEY_COLUMNS
from .measures import COUNTERS, HISTOGRAM, day_bucket

CHUNK = 2000
FIELDS = COUNTERS + HISTOGRAM
INDEX = {name: i for i, name in enumerate(FIELDS)}
WIDTH = len(FIELDS)


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the local (Asia/Shanghai) month of a moment."""
    return timezone.localtime(moment).date().replace(day=1)


@dataclass
class Fact:
    """The derived fact of one case (the columns of models.CaseFact, as plain values)."""

    case_id: int
    court_id: int = 0
    institution_id: int = 0
    product: str = ""
    category_id: int = 0
    channel: str = ""
    track: str = ""
    door: str = ""
    batch_id: int = 0
    mediator_id: int = 0
    rule_id: int = 0
    received: dt.date | None = None
    amount_fen: int = 0
    closed: dt.date | None = None
    close_days: int | None = None
    in_target: bool = False
    resolved: dt.date | None = None
    mediation_ended: dt.date | None = None
    mediation_ok: bool | None = None
    confirmed: bool = False
    enforceable: dt.date | None = None
    enforced: bool = False
    plan_ended: dt.date | None = None
    plan_auto: bool = False
    service: list[list[Any]] = field(default_factory=list)
    last_event_id: int = 0

    def key(self) -> tuple[int | str, ...]:
        return tuple(getattr(self, c) for c in KEY_COLUMNS)

    def contributions(self) -> dict[tuple[dt.date, int], int]:
        """(month, counter index) → value: what this case adds to the cells of its dimensions."""
        out: dict[tuple[dt.date, int], int] = defaultdict(int)
        if self.received is None:
            return out

        def add(month: dt.date, name: str, value: int = 1) -> None:
            out[(month, INDEX[name])] += value

        add(self.received, "received")
        add(self.received, "amount", self.amount_fen)
        if self.closed is not None and self.close_days is not None:
            add(self.closed, "closed")
            add(self.closed, HISTOGRAM[day_bucket(self.close_days)])
            if self.in_target:
                add(self.closed, "in_target")
        if self.resolved is not None:
            add(self.resolved, "resolved")
            add(self.resolved, "resolved_amount", self.amount_fen)
        if self.mediation_ended is not None:
            if self.mediation_ok:
                add(self.mediation_ended, "med_ok")
                if self.confirmed:
                    add(self.mediation_ended, "confirmed")
            else:
                add(self.mediation_ended, "med_failed")
        if self.enforceable is not None:
            add(self.enforceable, "basis")
            if self.enforced:
                add(self.enforceable, "enforced")
        if self.plan_ended is not None:
            add(self.plan_ended, "plan_ended")
            if self.plan_auto:
                add(self.plan_ended, "plan_auto")
        for month_iso, ok, alt, failed in self.service:
            month = dt.date.fromisoformat(month_iso)
            for name, n in (("served_ok", ok), ("served_alt", alt), ("served_failed", failed)):
                if n:
                    add(month, name, n)
        return {k: v for k, v in out.items() if v}


FACT_COLUMNS = tuple(Fact.__dataclass_fields__)


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    batch: list[int] = []
    for i in ids:
        batch.append(i)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def facts_compute(case_ids: Iterable[int]) -> dict[int, Fact]:
    """The facts of these cases, read from the raw tables in a few queries per chunk. A case that no
    longer exists is absent from the result."""
    found: dict[int, Fact] = {}
    for chunk in chunks(sorted(set(case_ids))):
        found.update(_compute_chunk(chunk))
    return found


def _compute_chunk(ids: list[int]) -> dict[int, Fact]:
    from xietong.batches.models import BatchRow
    from xietong.repayment.models import EnforcementApplication, RepaymentPlan
    from xietong.service.choices import RecordStatus
    from xietong.service.models import ServiceAttempt, ServiceRecord
    from xietong.triage.choices import DecisionKind
    from xietong.triage.models import TriageDecision

    rows = Case.objects.filter(pk__in=ids).values_list(
        "pk",
        "court_id",
        "institution_id",
        "product",
        "category_id",
        "channel",
        "track",
        "door",
        "mediator_id",
        "state",
        "submitted_at",
        "closed_at",
        "total",
    )
    events: dict[int, list[tuple[int, str, str, dt.datetime]]] = defaultdict(list)
    for case_id, pk, from_state, to_state, at in (
        CaseEvent.objects.filter(case_id__in=ids)
        .order_by("at", "pk")
        .values_list("case_id", "pk", "from_state", "to_state", "at")
    ):
        events[case_id].append((pk, from_state, to_state, at))
    numbers: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for case_id, kind, at in (
        CaseNumber.objects.filter(case_id__in=ids)
        .order_by("assigned_at", "pk")
        .values_list("case_id", "kind", "assigned_at")
    ):
        numbers[case_id].setdefault(kind, at)
    batches: dict[int, int] = {}
    for case_id, batch_id in BatchRow.objects.filter(case_id__in=ids).order_by("pk").values_list("case_id", "batch_id"):
        batches.setdefault(case_id, batch_id)
    rules: dict[int, int] = {}
    for case_id, rule_id in (
        TriageDecision.objects.filter(case_id__in=ids, kind=DecisionKind.AUTO)
        .order_by("at", "pk")
        .values_list("case_id", "rule_id")
    ):
        rules.setdefault(case_id, rule_id or 0)
    plans = {
        case_id: (status, completed_at)
        for case_id, status, completed_at in RepaymentPlan.objects.filter(case_id__in=ids)
        .exclude(status="superseded")
        .values_list("case_id", "status", "completed_at")
    }
    applied: dict[int, dt.datetime] = {}
    for case_id, at in (
        EnforcementApplication.objects.filter(case_id__in=ids)
        .order_by("applied_at")
        .values_list("case_id", "applied_at")
    ):
        applied.setdefault(case_id, at)
    ended_records = list(
        ServiceRecord.objects.filter(
            document__case_id__in=ids,
            status__in=(RecordStatus.SERVED, RecordStatus.ALTERNATIVE, RecordStatus.FAILED),
        ).values_list("pk", "document__case_id", "status", "served_at", "created_at")
    )
    failed_at: dict[int, dt.datetime] = {}
    failed_ids = [r[0] for r in ended_records if r[2] == RecordStatus.FAILED]
    if failed_ids:
        for record_id, at in ServiceAttempt.objects.filter(record_id__in=failed_ids).values_list("record_id", "at"):
            if record_id not in failed_at or at > failed_at[record_id]:
                failed_at[record_id] = at
    service: dict[int, dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for record_id, case_id, status, served_at, created_at in ended_records:
        if status == RecordStatus.FAILED:
            month = month_of(failed_at.get(record_id, created_at))
            service[case_id][month][2] += 1
        else:
            month = month_of(served_at or created_at)
            service[case_id][month][0 if status == RecordStatus.SERVED else 1] += 1

    out: dict[int, Fact] = {}
    for pk, court, inst, product, cat, channel, track, door, mediator, state, submitted, closed_at, total in rows:
        evs = events.get(pk, [])
        nums = numbers.get(pk, {})
        f = Fact(
            case_id=pk,
            court_id=court or 0,
            institution_id=inst or 0,
            product=product or "",
            category_id=cat or 0,
            channel=channel or "",
            track=track or "",
            door=door or "",
            batch_id=batches.get(pk, 0),
            mediator_id=mediator or 0,
            rule_id=rules.get(pk, 0),
            received=month_of(submitted),
            amount_fen=fen(total),
            last_event_id=max((e[0] for e in evs), default=0),
        )
        if state in CLOSED_STATES:
            ended = closed_at or (evs[-1][3] if evs else submitted)
            f.closed = month_of(ended)
            f.close_days = days_to_close(submitted, ended)
            f.in_target = closed_within_target(submitted, ended)
        if state in SETTLED_STATES and not any(k in nums for k in LITIGATION_NUMBERS):
            agreed = [e[3] for e in evs if e[2] == MEDIATION_SUCCESS]
            settled = [e[3] for e in evs if e[2] in SETTLED_STATES]
            when = agreed[-1] if agreed else (settled[0] if settled else (closed_at or submitted))
            f.resolved = month_of(when)
        endings = [e for e in evs if e[1] == CaseState.MEDIATING and e[2] in (MEDIATION_SUCCESS, MEDIATION_FAILURE)]
        if endings:
            last = endings[-1]
            f.mediation_ended = month_of(last[3])
            f.mediation_ok = last[2] == MEDIATION_SUCCESS
            f.confirmed = f.mediation_ok and CONFIRMATION_NUMBER in nums
        basis = [nums[CONFIRMATION_NUMBER]] if CONFIRMATION_NUMBER in nums else []
        basis += [e[3] for e in evs if e[2] == ENFORCEABLE_STATE][:1]
        if basis:
            f.enforceable = month_of(min(basis))
            f.enforced = ENFORCEMENT_NUMBER in nums
        plan = plans.get(pk)
        if plan is not None:
            status, completed_at = plan
            if pk in applied:
                f.plan_ended, f.plan_auto = month_of(applied[pk]), False
            elif status == "completed" and completed_at is not None:
                f.plan_ended, f.plan_auto = month_of(completed_at), True
        if pk in service:
            f.service = [[m.isoformat(), *counts] for m, counts in sorted(service[pk].items())]
        out[pk] = f
    return out


def fact_from_row(row: Any) -> Fact:
    """A stored models.CaseFact as a Fact."""
    return Fact(**{name: getattr(row, name) for name in FACT_COLUMNS})

"""Keeping the figures current: facts and cells follow the cases, and can be rebuilt from scratch.

How a change reaches the cells, and why none is lost:

1. Every change of a case writes a timeline event (`CaseEvent`) in the transaction of the change —
   creation, each transition, an assignment, a triage override, a repayment or service step; a
   batch import writes its cases' events in its own transaction.
2. After the commit, the case registry's transition receiver (`on_case_transition`) refreshes the
   case: `stats_refresh` derives its fact again from the raw tables, and adds the difference between
   the new and the old fact to the cells, in one short transaction of its own. After a batch import
   (`on_cases_transition`) a worker does the same for the batch's cases (the catch-up task).
3. If the process dies between the commit and its receiver, or a change has no receiver (an
   assignment, a service step), the case's newest event is newer than its fact's `last_event_id`:
   `stats_catch_up` (a periodic task every five minutes, and before a dashboard is drawn) reads the
   timeline from its watermark (less a look-back, for transactions that committed late) and
   refreshes every such case. The daily `stats_verify` compares every case with its fact.
4. `stats_rebuild` (the `stats_rebuild` command) recomputes every fact and every cell from the raw
   tables; a test proves that the incremental path gives the same cells.

Refreshing is idempotent: a fact equal to the stored one changes nothing, so a case refreshed twice
(by its receiver and by the catch-up) is counted once. Cases are locked (`SELECT … FOR UPDATE`) in id
order while their facts are replaced, so two refreshes of one case never add the same difference twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.cases.models import Case, CaseEvent

from .cubes import CUBES_BY_FAMILY, FAMILIES, ID_COLUMNS, KEY_COLUMNS, Family, finest, project
from .facts import FACT_COLUMNS, FIELDS, WIDTH, Fact, chunks, fact_from_row, facts_compute
from .models import CaseFact, Cell, RollupState

logger = logging.getLogger(__name__)

LOOKBACK = 50_000  # timeline events read again below the watermark (transactions that committed late)
READ_CATCH_UP_LIMIT = 2_000  # cases a dashboard brings up to date before drawing; more is left to the task

Sparse = dict[int, int]  # counter index → value
FamilyAcc = dict[str, dict[tuple[tuple[int | str, ...], dt.date], Sparse]]


def _family_key(fact: Fact, family: Family) -> tuple[int | str, ...] | None:
    if family.required and not getattr(fact, family.required):
        return None
    return tuple(getattr(fact, d) for d in family.dims)


def accumulate(acc: FamilyAcc, fact: Fact, sign: int) -> None:
    """Add (sign=1) or take away (sign=-1) a fact's contributions to its families' finest cells."""
    contributions = fact.contributions()
    if not contributions:
        return
    for family in FAMILIES:
        key = _family_key(fact, family)
        if key is None:
            continue
        cells = acc.setdefault(family.code, {})
        for (month, idx), value in contributions.items():
            counters = cells.setdefault((key, month), {})
            counters[idx] = counters.get(idx, 0) + sign * value


def cube_rows(acc: FamilyAcc) -> dict[tuple[str, dt.date, tuple[int | str, ...]], Sparse]:
    """The families' finest cells summed into every cube of the family: (cube, month, key) → counters."""
    out: dict[tuple[str, dt.date, tuple[int | str, ...]], Sparse] = {}
    for family in FAMILIES:
        cubes = CUBES_BY_FAMILY[family.code]
        for (key, month), counters in acc.get(family.code, {}).items():
            nonzero = {i: v for i, v in counters.items() if v}
            if not nonzero:
                continue
            for cube in cubes:
                target = out.setdefault((cube.code, month, project(cube, family, key)), {})
                for i, v in nonzero.items():
                    target[i] = target.get(i, 0) + v
    # A case that moves from one value to another (a channel changed) leaves the cubes without that
    # dimension as they were: the difference sums to nothing there, and those cells are not written.
    return {k: counters for k, counters in out.items() if any(counters.values())}


CELL_COLUMNS = ("cube", "month", *KEY_COLUMNS, *FIELDS)


def _values(cube: str, month: dt.date, key: tuple[int | str, ...], counters: Sparse) -> list[Any]:
    vector = [0] * WIDTH
    for i, v in counters.items():
        vector[i] = v
    return [cube, month, *key, *vector]


def _cells_add(rows: dict[tuple[str, dt.date, tuple[int | str, ...]], Sparse]) -> int:
    """Add these counters to the cells (created when missing). In key order: no two refreshes deadlock."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Cell._meta.db_table)
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in CELL_COLUMNS)
    marks = ", ".join(["%s"] * len(CELL_COLUMNS))
    conflict = ", ".join(qn(c) for c in ("cube", "month", *KEY_COLUMNS))
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in FIELDS)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}"  # noqa: S608 - quoted names
    params = [_values(cube, month, key, counters) for (cube, month, key), counters in sorted(rows.items(), key=_order)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def _order(item: tuple[tuple[str, dt.date, tuple[int | str, ...]], Sparse]) -> tuple[Any, ...]:
    (cube, month, key), _counters = item
    return (cube, month, *(str(k) for k in key))


FACT_DB_COLUMNS = tuple("case_id" if name == "case_id" else name for name in FACT_COLUMNS)


def _facts_store(facts: list[Fact], *, replace: Iterable[int] = ()) -> None:
    """Replace these cases' facts: one DELETE per chunk, one executemany (the ORM's bulk_create is slower
    than the derivation itself at a million facts)."""
    for chunk in chunks(list(replace)):
        CaseFact.objects.filter(case_id__in=chunk).delete()
    if not facts:
        return
    qn = connection.ops.quote_name
    service = CaseFact._meta.get_field("service")
    sql = (
        f"INSERT INTO {qn(CaseFact._meta.db_table)} ({', '.join(qn(c) for c in FACT_DB_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(FACT_DB_COLUMNS))})"
    )
    rows = [
        [
            service.get_db_prep_save(f.service, connection) if name == "service" else getattr(f, name)
            for name in FACT_COLUMNS
        ]
        for f in facts
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def stats_refresh(*, case_ids: Iterable[int]) -> int:
    """Bring these cases' facts and cells up to date, a chunk per transaction. Returns the facts changed."""
    changed = 0
    for chunk in chunks(sorted(set(case_ids))):
        changed += _refresh_chunk(chunk)
    return changed


@transaction.atomic
def _refresh_chunk(ids: list[int]) -> int:
    # The cases' rows, locked in id order: a transition of one of them waits, and so does another refresh.
    list(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    old = {row.case_id: fact_from_row(row) for row in CaseFact.objects.filter(case_id__in=ids)}
    new = facts_compute(ids)
    acc: FamilyAcc = {}
    changed: list[int] = []
    for case_id in ids:
        before, after = old.get(case_id), new.get(case_id)
        if before == after:
            continue
        changed.append(case_id)
        if before is not None:
            accumulate(acc, before, -1)
        if after is not None:
            accumulate(acc, after, 1)
    if not changed:
        return 0
    _cells_add(cube_rows(acc))
    _facts_store([new[c] for c in changed if c in new], replace=[c for c in changed if c in old])
    return len(changed)


# The transition receivers (registered in apps.py), run after the change has committed -----------------


def on_case_transition(case_id: int, code: str, from_state: str, to_state: str) -> None:
    """After a transition commits: refresh the case. A failure is logged; the catch-up repairs it."""
    try:
        stats_refresh(case_ids=[case_id])
    except Exception:
        logger.exception("figures: refreshing case %s after %s failed (the catch-up will retry)", case_id, code)


def on_cases_transition(case_ids: list[int], code: str, from_state: str, to_state: str) -> None:
    """After a batch import commits: the catch-up task refreshes its cases in a worker (a batch of 100,000
    cases is a minute of work the import's own transaction and its progress bar need not wait for). If
    the task is lost, the periodic catch-up finds the cases all the same: they are newer than the watermark."""
    from .tasks import stats_catch_up_task

    try:
        stats_catch_up_task.enqueue()
    except Exception:
        logger.exception("figures: could not enqueue the catch-up after %s of %d cases", code, len(case_ids))


# Catching up from the timeline, verifying, rebuilding ------------------------------------------------


def _state() -> RollupState:
    state, _created = RollupState.objects.get_or_create(pk=1)
    return state


def stale_cases(*, after: int, upto: int) -> list[int]:
    """Cases with a timeline event in (after, upto] newer than their fact (or with no fact)."""
    newest: dict[int, int] = dict(
        CaseEvent.objects.filter(pk__gt=after, pk__lte=upto).values_list("case_id").annotate(last=Max("pk")).order_by()
    )
    stale: list[int] = []
    for chunk in chunks(sorted(newest)):
        seen = dict(CaseFact.objects.filter(case_id__in=chunk).values_list("case_id", "last_event_id"))
        stale.extend(c for c in chunk if seen.get(c, -1) < newest[c])
    return stale


@dataclass(frozen=True)
class CatchUp:
    read_from: int
    read_to: int
    refreshed: int
    pending: int = 0  # stale cases left for the task (a dashboard does a bounded amount)


def stats_catch_up(*, lookback: int = LOOKBACK, limit: int | None = None) -> CatchUp:
    """Refresh every case whose timeline moved past its fact since the watermark (less `lookback`)."""
    state = _state()
    upto = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    after = max(0, state.watermark - lookback)
    if upto <= state.watermark and lookback == 0:
        return CatchUp(after, upto, 0)
    stale = stale_cases(after=after, upto=upto)
    if limit is not None and len(stale) > limit:
        return CatchUp(after, upto, 0, pending=len(stale))
    refreshed = stats_refresh(case_ids=stale)
    RollupState.objects.filter(pk=state.pk, watermark__lt=upto).update(watermark=upto, caught_up_at=timezone.now())
    return CatchUp(after, upto, refreshed)


def stats_catch_up_for_reading() -> CatchUp:
    """Before a dashboard is drawn: only what is new since the watermark, and only a bounded amount."""
    return stats_catch_up(lookback=0, limit=READ_CATCH_UP_LIMIT)


def stats_verify() -> CatchUp:
    """Compare every case with its fact (the whole timeline, and cases without a fact); refresh the stale."""
    upto = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    stale = set(stale_cases(after=0, upto=upto))
    stale.update(Case.objects.exclude(pk__in=CaseFact.objects.values("case_id")).values_list("pk", flat=True))
    stale.update(CaseFact.objects.exclude(case_id__in=Case.objects.values("pk")).values_list("case_id", flat=True))
    refreshed = stats_refresh(case_ids=stale)
    if refreshed:
        logger.warning("figures: the daily check found %d stale cases and refreshed them", refreshed)
    RollupState.objects.filter(pk=_state().pk, watermark__lt=upto).update(watermark=upto)
    return CatchUp(0, upto, refreshed)


@dataclass(frozen=True)
class Rebuilt:
    facts: int
    cells: int
    seconds: float


def stats_rebuild(*, actor: Any, chunk: int = 5000) -> Rebuilt:
    """Every fact and every cell computed again from the raw tables, in one transaction."""
    started = timezone.now()
    with transaction.atomic():
        upto = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        with connection.cursor() as cursor:
            for model in (Cell, CaseFact):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        acc: FamilyAcc = {}
        n = 0
        last = 0
        while True:
            ids = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            last = ids[-1]
            facts = facts_compute(ids)
            for fact in facts.values():
                accumulate(acc, fact, 1)
            _facts_store(list(facts.values()))
            n += len(facts)
        cells = _cells_insert_finest(acc)
        cells += _cells_derive()
        state = _state()
        state.watermark = upto
        state.rebuilt_at = state.caught_up_at = timezone.now()
        state.save()
        seconds = (timezone.now() - started).total_seconds()
        audit_record(
            actor=actor,
            action=AuditAction.STATS_REBUILD,
            object_type="stats.rollup",
            object_id=1,
            object_repr="figures",
            after={"facts": n, "cells": cells, "watermark": upto, "seconds": round(seconds, 3)},
        )
    return Rebuilt(facts=n, cells=cells, seconds=seconds)


def _cells_insert_finest(acc: FamilyAcc) -> int:
    """The rebuild's first step: each family's finest cube from the facts summed in Python (every cube of a
    family whose finest is not kept: the mediator's)."""
    table = connection.ops.quote_name(Cell._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in CELL_COLUMNS)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(CELL_COLUMNS))})"  # noqa: S608
    written = 0
    with connection.cursor() as cursor:
        for family in FAMILIES:
            cube = finest(family)
            if cube is None:
                rows = cube_rows({family.code: acc.get(family.code, {})})
                params = [_values(c, month, key, counters) for (c, month, key), counters in rows.items()]
            else:
                params = [
                    _values(cube.code, month, project(cube, family, key), counters)
                    for (key, month), counters in acc.get(family.code, {}).items()
                    if any(counters.values())
                ]
            for i in range(0, len(params), 5000):
                cursor.executemany(sql, params[i : i + 5000])
            written += len(params)
    return written


def _cells_derive() -> int:
    """The rebuild's second step: every coarser cube summed by the database (`INSERT … SELECT … GROUP BY`),
    the finer cubes first, each from the smallest cube already written that has all its dimensions (a
    triple from a quadruple of some ten thousand cells rather than from the finest cube's two hundred
    thousand): the sums are the same, since every cube of a family is a sum of its finest."""
    qn = connection.ops.quote_name
    table = qn(Cell._meta.db_table)
    written = 0
    with connection.cursor() as cursor:
        for family in FAMILIES:
            source = finest(family)
            if source is None:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {qn('cube')} = %s", [source.code])  # noqa: S608
            rows = {source: int(cursor.fetchone()[0])}
            coarser = [c for c in CUBES_BY_FAMILY[family.code] if c is not source]
            for cube in sorted(coarser, key=lambda c: -len(c.dims)):
                parent = min((c for c in rows if cube.dims < c.dims), key=lambda c: (rows[c], len(c.dims)))
                keys = [qn(c) if c in cube.dims else ("0" if c in ID_COLUMNS else "''") for c in KEY_COLUMNS]
                group = [qn("month")] + [qn(c) for c in KEY_COLUMNS if c in cube.dims]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(qn(c) for c in CELL_COLUMNS)}) "  # noqa: S608 - quoted names
                    f"SELECT %s, {qn('month')}, {', '.join(keys)}, {', '.join(f'SUM({qn(c)})' for c in FIELDS)} "
                    f"FROM {table} WHERE {qn('cube')} = %s GROUP BY {', '.join(group)}",
                    [cube.code, parent.code],
                )
                count = cursor.rowcount
                if count is None or count < 0:  # a driver that does not say: counted (a parent is chosen by it)
                    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {qn('cube')} = %s", [cube.code])  # noqa: S608
                    count = int(cursor.fetchone()[0])
                rows[cube] = count
                written += count
    return written


def cells_snapshot() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Every non-empty cell as key → counters (for comparing the incremental cells with a rebuild)."""
    out: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for row in Cell.objects.values_list(*CELL_COLUMNS):
        counters = tuple(row[len(CELL_COLUMNS) - WIDTH :])
        if any(counters):
            out[tuple(row[: len(CELL_COLUMNS) - WIDTH])] = counters
    return out


def cells_drop_empty() -> int:
    """Delete cells whose counters are all zero (left behind when cases move on)."""
    zero = {f"{name}": 0 for name in FIELDS}
    deleted, _by_model = Cell.objects.filter(**zero).delete()
    return deleted


def families_check() -> list[str]:
    """Inconsistencies between each family's finest cube and its coarser cubes (should be none)."""
    problems = []
    for family in FAMILIES:
        cubes = CUBES_BY_FAMILY[family.code]
        top = finest(family)
        if top is None:
            continue
        sums: dict[tuple[str, dt.date, tuple[int | str, ...]], list[int]] = defaultdict(lambda: [0] * WIDTH)
        for row in Cell.objects.filter(cube=top.code).values_list("month", *family.dims, *FIELDS):
            month, key, counters = row[0], tuple(row[1 : 1 + len(family.dims)]), row[1 + len(family.dims) :]
            for cube in cubes:
                vec = sums[(cube.code, month, project(cube, family, key))]
                for i, v in enumerate(counters):
                    vec[i] += v
        for row in Cell.objects.filter(cube__in=[c.code for c in cubes]).values_list(*CELL_COLUMNS):
            k = (row[0], row[1], tuple(row[2 : 2 + len(KEY_COLUMNS)]))
            have = list(row[2 + len(KEY_COLUMNS) :])
            want = sums.pop(k, [0] * WIDTH)
            if have != want:
                problems.append(f"{k}: {have} != {want}")
        problems.extend(f"{k}: missing" for k, v in sums.items() if any(v))
    return problems

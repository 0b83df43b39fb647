"""Build a test world once, then put its rows back for each test in a few bulk inserts.

Building the shared world through the services takes dozens of audited writes; hundreds of tests
ask for it. `snapshot_take(build)` builds it once inside a transaction, records every row it added
or changed (table by table, read back through the same connection), and rolls it back, so the
database is as empty as before for tests that do not ask for the world. `snapshot_restore()` writes
those rows again inside the test's own transaction (or committed, for a transactional test): the
same rows the services wrote, at a fraction of the cost.

Foreign keys are deferred to the end of the transaction on both SQLite and PostgreSQL (Django
declares them DEFERRABLE INITIALLY DEFERRED), so the tables can be written in any order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: list[str]
    pk: str
    inserted: list[tuple[Any, ...]]
    changed: list[tuple[Any, ...]]


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(include_views=False))


def _read(table: str) -> tuple[list[str], str, dict[Any, tuple[Any, ...]]]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        pk = connection.introspection.get_primary_key_column(cursor, table) or "id"
        cursor.execute(f"SELECT * FROM {qn(table)}")
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    at = columns.index(pk)
    return columns, pk, {row[at]: tuple(row) for row in rows}


class _Rollback(Exception):
    pass


def snapshot_take(build: Callable[[], T]) -> tuple[list[TableRows], T]:
    """Run `build()` in a transaction that is rolled back; return the rows it wrote and its result."""
    tables = _tables()
    result: list[T] = []
    found: list[TableRows] = []
    try:
        with transaction.atomic():
            before = {t: _read(t)[2] for t in tables}
            result.append(build())
            for t in tables:
                columns, pk, rows = _read(t)
                old = before[t]
                inserted = [r for key, r in rows.items() if key not in old]
                changed = [r for key, r in rows.items() if key in old and old[key] != r]
                if inserted or changed:
                    found.append(TableRows(t, columns, pk, inserted, changed))
            raise _Rollback
    except _Rollback:
        pass
    return found, result[0]


def _adapt(value: Any) -> Any:
    if connection.vendor == "postgresql" and isinstance(value, dict | list):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def snapshot_restore(snapshot: list[TableRows]) -> None:
    """Write the recorded rows again: new rows inserted, changed rows updated (or inserted if gone)."""
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:  # one transaction: foreign keys checked at its end
        for t in snapshot:
            cols = ", ".join(qn(c) for c in t.columns)
            marks = ", ".join(["%s"] * len(t.columns))
            insert = f"INSERT INTO {qn(t.table)} ({cols}) VALUES ({marks})"
            if t.inserted:
                cursor.executemany(insert, [tuple(_adapt(v) for v in row) for row in t.inserted])
            if t.changed:
                others = [c for c in t.columns if c != t.pk]
                sets = ", ".join(f"{qn(c)} = %s" for c in others)
                update = f"UPDATE {qn(t.table)} SET {sets} WHERE {qn(t.pk)} = %s"
                at = t.columns.index(t.pk)
                for row in t.changed:
                    values = [_adapt(v) for i, v in enumerate(row) if i != at]
                    cursor.execute(update, [*values, row[at]])
                    if cursor.rowcount == 0:  # a transactional test flushed it: put it back whole
                        cursor.execute(insert, [_adapt(v) for v in row])

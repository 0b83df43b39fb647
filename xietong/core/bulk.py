"""Bulk inserts for the few writes that open thousands of rows at once (a batch import).

`BulkWriter` inserts many rows of one model with the driver's fastest path — `executemany` on
SQLite, `COPY` on PostgreSQL — with ids reserved up front, and derives rows from rows just written
in SQL (`insert_derived`), so no Python tuple is built for them. It writes rows, nothing more: the
services that use it (`cases.bulk`, and what the owning apps pass to it) keep the rules, the
timeline and the audit trail. It must run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models


def _nothing() -> None:
    return None


class BulkWriter:
    """Raw bulk inserts with ids reserved up front: executemany on SQLite, COPY on PostgreSQL.

    `after_insert` runs after each insert (the batch import's tests slow it down there to kill a worker
    in the middle of its transaction).
    """

    def __init__(self, now: dt.datetime, *, after_insert: Callable[[], None] = _nothing) -> None:
        self.vendor = connection.vendor
        self.now = now
        self.now_db = self.dt(now)
        self.after_insert = after_insert

    def dt(self, value: dt.datetime) -> Any:
        if self.vendor == "sqlite":
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def money(self, value: Decimal) -> Any:
        return str(value) if self.vendor == "sqlite" else value

    def reserve_ids(self, model: type[models.Model], n: int) -> list[int]:
        table = model._meta.db_table
        if n == 0:
            return []
        with connection.cursor() as c:
            if self.vendor == "postgresql":
                c.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
                return [r[0] for r in c.fetchall()]
            # SQLite: the IMMEDIATE transaction holds the write lock, so nobody else takes these ids.
            c.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608 - a model's table
            top = int(c.fetchone()[0])
            c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
            if c.fetchone():
                c.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = c.fetchone()
                if row:
                    top = max(top, int(row[0]))
            return list(range(top + 1, top + 1 + n))

    def _defaults(self, model: type[models.Model], columns: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
        """NOT NULL columns not given, with the model's default (fields added later keep working)."""
        fields, values = self._default_fields(model, columns)
        return [f.column for f in fields], values

    def _default_fields(
        self, model: type[models.Model], columns: Sequence[str]
    ) -> tuple[list[models.Field[Any, Any]], tuple[Any, ...]]:
        known = set(columns)
        cols: list[models.Field[Any, Any]] = []
        values: list[Any] = []
        for f in model._meta.concrete_fields:
            if f.column in known or f.primary_key or f.null:
                continue
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                value: Any = self.now_db
            elif not f.has_default():
                raise RuntimeError(f"cannot fill {model.__name__}.{f.name}: NOT NULL without a default")
            elif isinstance(f, models.JSONField):
                value = json.dumps(f.get_default())
            elif isinstance(f, models.DateTimeField):
                value = self.dt(f.get_default())
            else:
                value = f.get_db_prep_save(f.get_default(), connection)
            cols.append(f)
            values.append(value)
        return cols, tuple(values)

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        extra_cols, extra = self._defaults(model, columns)
        cols = [*columns, *extra_cols]
        table = model._meta.db_table
        names = ", ".join(f'"{c}"' for c in cols)
        with connection.cursor() as c:
            raw = c.cursor
            if self.vendor == "postgresql":
                with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for r in rows:
                        copy.write_row(r + extra if extra else r)
            else:
                marks = ", ".join("?" for _c in cols)
                raw.executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608 - a model's table
                    (r + extra for r in rows) if extra else rows,
                )
        self.after_insert()

    def insert_derived(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        select: str,
        params: Sequence[Any],
        *,
        source: type[models.Model],
        ids: list[int],
    ) -> None:
        """Rows derived in SQL from rows just written, one per source row in id order: no Python per row.

        `select` gives one expression per column over the source table AS s (placeholders %s for
        `params`); `ids` are the source rows', ascending.
        """
        if not ids:
            return
        fields, extra = self._default_fields(model, columns)
        cols = [*columns, *(f.column for f in fields)]
        marks = "".join(", %s" if self.vendor == "sqlite" else f", CAST(%s AS {f.db_type(connection)})" for f in fields)
        first, last = ids[0], ids[-1]
        where_params: list[Any]
        if last - first + 1 == len(ids):  # SQLite reserves a range under the write lock
            where, where_params = 's."id" BETWEEN %s AND %s', [first, last]
        elif self.vendor == "postgresql":  # ids from the sequence, interleaved with another writer's
            where, where_params = 's."id" = ANY(%s)', [ids]
        else:
            where, where_params = 's."id" IN (SELECT "value" FROM json_each(%s))', [json.dumps(ids)]
        names = ", ".join(f'"{c}"' for c in cols)
        with connection.cursor() as c:
            c.execute(
                f'INSERT INTO "{model._meta.db_table}" ({names}) '  # noqa: S608 - a model's table and columns
                f'SELECT {select}{marks} FROM "{source._meta.db_table}" AS s WHERE {where} ORDER BY s."id"',
                [*params, *extra, *where_params],
            )
        self.after_insert()

    def json_object(self, *pairs: str) -> str:
        """A JSON object built in SQL from (key literal, SQL expression) pairs."""
        fn = "json_object" if self.vendor == "sqlite" else "jsonb_build_object"
        return f"{fn}({', '.join(pairs)})"

    def json_literal(self, text: str) -> str:
        return f"'{text}'" if self.vendor == "sqlite" else f"'{text}'::jsonb"

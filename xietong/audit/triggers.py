"""Database triggers that refuse UPDATE and DELETE on audit entries (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

CREATE = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry",
        """CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
           FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_entry_no_update", "DROP TRIGGER IF EXISTS audit_entry_no_delete"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry",
        "DROP FUNCTION IF EXISTS audit_entry_append_only()",
    ],
}


def create_triggers(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in CREATE.get(connection.vendor, []):
            cursor.execute(sql)


def drop_triggers(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in DROP.get(connection.vendor, []):
            cursor.execute(sql)

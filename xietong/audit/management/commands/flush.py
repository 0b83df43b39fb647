"""`flush` empties every table, the audit trail included.

The append-only triggers refuse DELETE on audit entries, so flushing lifts them for the moment
of the flush, restores the audit head's row, and puts the triggers back. Only a database
administrator emptying a whole database (or the test runner between tests) does this.
"""

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from xietong.audit.triggers import create_triggers, drop_triggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        drop_triggers(connection)
        try:
            super().handle(**options)
        finally:
            create_triggers(connection)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO audit_audithead (id, seq, hash) SELECT 1, 0, %s "
                    "WHERE NOT EXISTS (SELECT 1 FROM audit_audithead WHERE id = 1)",
                    ["0" * 64],
                )

"""Entries get a chain version: 1 for those written before the chain was keyed (plain SHA-256, kept as they
are and verified so), 2 for keyed entries (HMAC-SHA256 with AUDIT_HMAC_KEY). See docs/operations.md."""

from typing import Any

from django.db import migrations, models

from xietong.audit.triggers import create_triggers


def triggers(apps: Any, schema_editor: Any) -> None:
    # SQLite adds the column by copying the table into a new one: the append-only triggers go with the old table.
    create_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0012_action_codes_without_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="version",
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name="chain version"),
        ),
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]

"""The audit head's single row, and database triggers that refuse UPDATE and DELETE on entries."""

from typing import Any

from django.db import migrations

from xietong.audit.triggers import create_triggers, drop_triggers


def create_head(apps: Any, schema_editor: Any) -> None:
    apps.get_model("audit", "AuditHead").objects.get_or_create(pk=1)


def triggers(apps: Any, schema_editor: Any) -> None:
    create_triggers(schema_editor.connection)


def no_triggers(apps: Any, schema_editor: Any) -> None:
    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(triggers, no_triggers),
    ]

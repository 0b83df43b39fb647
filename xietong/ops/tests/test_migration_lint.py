"""Zero-downtime upgrades: no migration of ours drops, renames or tightens what a running older release uses."""

from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED

from xietong.ops.migration_allowlist import ALLOWED

REFUSED = (ops.RemoveField, ops.RenameField, ops.RenameModel, ops.DeleteModel)


def problems_of(key, migration, state_before):
    found = []
    for operation in migration.operations:
        if isinstance(operation, REFUSED):
            found.append(f"{key[0]}.{key[1]}: {operation.describe()}")
        elif isinstance(operation, ops.AlterField) and not operation.field.null:
            old = state_before().models[key[0], operation.model_name_lower].fields[operation.name]
            if old.null and operation.field.default is NOT_PROVIDED and operation.field.db_default is NOT_PROVIDED:
                found.append(f"{key[0]}.{key[1]}: {operation.describe()} (to NOT NULL without a default)")
    return found


def lint(loader):
    problems = []
    for key, migration in sorted(loader.disk_migrations.items()):
        module = loader.migrations_module(key[0])[0] or ""
        if module.startswith("xietong.") and key not in ALLOWED:
            problems += problems_of(key, migration, lambda key=key: loader.project_state(key, at_end=False))
    return problems


def test_no_migration_breaks_the_release_still_running():
    problems = lint(MigrationLoader(None, ignore_no_migrations=True))
    assert not problems, "not safe while the older release runs (see docs/operations.md): " + "; ".join(problems)


def test_the_lint_catches_a_dropped_column_and_a_tightened_one(monkeypatch):
    from django.db import migrations, models

    loader = MigrationLoader(None, ignore_no_migrations=True)
    key = ("ops", "9999_bad")
    bad = migrations.Migration("9999_bad", "ops")
    bad.operations = [
        migrations.RemoveField("workerheartbeat", "hostname"),
        migrations.AlterField("workerheartbeat", "pid", models.PositiveIntegerField()),  # was null=True
        migrations.AlterField("workerheartbeat", "queues", models.CharField(max_length=9)),  # was not null
    ]
    found = problems_of(key, bad, lambda: loader.project_state(("ops", "0001_initial"), at_end=True))
    assert len(found) == 2
    assert "Remove field hostname" in found[0] and "NOT NULL" in found[1] and "pid" in found[1]
    # A listed migration is let through; an unlisted one of ours is linted.
    ours = ("ops", "0001_initial")
    monkeypatch.setattr(loader, "disk_migrations", {ours: bad})
    monkeypatch.setattr(loader, "project_state", lambda *a, **kw: MigrationLoader(None).project_state(ours))
    assert len(lint(loader)) == 2
    monkeypatch.setitem(ALLOWED, ours, "release 2 stopped using them")
    assert lint(loader) == []

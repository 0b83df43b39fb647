"""Zero-downtime upgrades: no migration of ours drops, renames or tightens what a running older release uses.

Migrations up to the baseline (release 0.1, `xietong/ops/migration_allowlist.py`) are not linted.
"""

from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED

from xietong.ops.migration_allowlist import ALLOWED, BASELINE

REFUSED = (ops.RemoveField, ops.RenameField, ops.RenameModel, ops.DeleteModel, ops.AlterModelTable)


def problems_of(key, migration, state_before):
    found = []
    before = None
    for operation in migration.operations:
        if isinstance(operation, REFUSED):
            found.append(f"{key[0]}.{key[1]}: {operation.describe()}")
        elif isinstance(operation, ops.AddField):
            field = operation.field
            before = before or state_before()
            if (key[0], operation.model_name_lower) not in before.models:
                continue  # a table this migration creates: no older release writes to it
            if not field.null and not field.many_to_many and field.db_default is NOT_PROVIDED:
                # Django keeps a Python default only while adding the column: the older release's
                # INSERTs, which do not name the column, then fail.
                found.append(f"{key[0]}.{key[1]}: {operation.describe()} (NOT NULL without a db_default)")
        elif isinstance(operation, ops.AlterField) and not operation.field.null:
            before = before or state_before()
            old = before.models[key[0], operation.model_name_lower].fields[operation.name]
            if old.null and operation.field.default is NOT_PROVIDED and operation.field.db_default is NOT_PROVIDED:
                found.append(f"{key[0]}.{key[1]}: {operation.describe()} (to NOT NULL without a default)")
    return found


def baseline_of(loader):
    """Every migration of release 0.1: the baseline nodes and what they depend on in their own app."""
    done = set()
    for app, name in BASELINE.items():
        if (app, name) in loader.graph.nodes:
            done |= {node for node in loader.graph.forwards_plan((app, name)) if node[0] == app}
    return done


def lint(loader):
    problems = []
    baseline = baseline_of(loader)
    for key, migration in sorted(loader.disk_migrations.items()):
        module = loader.migrations_module(key[0])[0] or ""
        if module.startswith("xietong.") and key not in ALLOWED and key not in baseline:
            problems += problems_of(key, migration, lambda key=key: loader.project_state(key, at_end=False))
    return problems


def test_no_migration_breaks_the_release_still_running():
    problems = lint(MigrationLoader(None, ignore_no_migrations=True))
    assert not problems, "not safe while the older release runs (see docs/operations.md): " + "; ".join(problems)


def test_the_baseline_names_real_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert all(node in loader.graph.nodes for node in BASELINE.items())
    assert ("accounts", "0001_initial") in baseline_of(loader)


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
    # A listed migration is let through; an unlisted one of ours after the baseline is linted.
    ours = ("ops", "0002_bad")
    monkeypatch.setattr(loader, "disk_migrations", {ours: bad})
    monkeypatch.setattr(
        loader, "project_state", lambda *a, **kw: MigrationLoader(None).project_state(("ops", "0001_initial"))
    )
    assert len(lint(loader)) == 2
    monkeypatch.setitem(ALLOWED, ours, "release 2 stopped using them")
    assert lint(loader) == []


def test_the_lint_catches_a_not_null_column_without_db_default_and_a_renamed_table(monkeypatch):
    from django.db import migrations, models

    loader = MigrationLoader(None, ignore_no_migrations=True)
    bad = migrations.Migration("0002_bad", "ops")
    bad.operations = [
        migrations.AddField("workerheartbeat", "zone", models.CharField(max_length=9, default="x")),
        migrations.AddField("workerheartbeat", "kind", models.CharField(max_length=9, db_default="x")),
        migrations.AddField("workerheartbeat", "note", models.CharField(max_length=9, null=True)),
        migrations.AlterModelTable("workerheartbeat", "ops_heartbeats"),
    ]
    found = problems_of(("ops", "0002_bad"), bad, lambda: loader.project_state(("ops", "0001_initial")))
    assert len(found) == 2
    assert "zone" in found[0] and "db_default" in found[0]
    assert "ops_heartbeats" in found[1]
    # The same migration inside the baseline is not linted.
    monkeypatch.setattr(loader, "disk_migrations", {("ops", "0001_initial"): bad})
    assert lint(loader) == []


def test_a_column_of_a_table_created_in_the_same_migration_is_not_refused():
    from django.db import migrations, models

    loader = MigrationLoader(None, ignore_no_migrations=True)
    new = migrations.Migration("9999_new", "ops")
    new.operations = [
        migrations.CreateModel("Gauge", [("id", models.BigAutoField(primary_key=True))]),
        migrations.AddField("gauge", "name", models.CharField(max_length=9, default="x")),
        migrations.AddField("workerheartbeat", "colour", models.CharField(max_length=9, default="x")),
    ]
    found = problems_of(("ops", "9999_new"), new, lambda: loader.project_state(("ops", "0001_initial"), at_end=True))
    assert len(found) == 1 and "colour" in found[0]

# A second partial index of the largest cube's cells, by the values a read across institutions filters by
# (cubes.py, FILTERS_INDEX). As 0002: on a table the running release keeps writing, so built CONCURRENTLY
# on PostgreSQL (hence atomic = False); on SQLite the writers queue behind the migration's write lock (under
# a second at a million cases).

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("stats", "0002_cell_institution_index"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="cell",
            index=models.Index(
                condition=models.Q(("cube", "court+institution+product+category+channel+track+door")),
                fields=["track", "channel", "door", "product", "court_id", "category_id", "month"],
                name="stats_cell_filters",
            ),
        ),
    ]

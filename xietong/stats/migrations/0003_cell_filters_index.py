# A second partial index of the largest cube's cells, by the values a read across institutions filters by
# (cubes.py, FILTERS_INDEX). As 0002: on a table the running release keeps writing, so built CONCURRENTLY
# on PostgreSQL (hence atomic = False); on SQLite the writers queue behind the migration's write lock (under
# a second at a million cases).

from django.db import migrations, models

from xietong.core.migration_ops import AddIndexConcurrentlyOnPostgres


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

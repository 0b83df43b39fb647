from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    CHECKED = "checked", _("checked")
    QUEUED = "queued", _("waiting to import")
    IMPORTING = "importing", _("importing")
    IMPORTED = "imported", _("imported")
    FAILED = "failed", _("failed")


class SourceFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


# Statuses in which an import is under way: a second start is refused, the page polls the progress.
IMPORT_RUNNING = frozenset({BatchStatus.QUEUED, BatchStatus.IMPORTING})
# Statuses from which an import may start: a checked batch, or a failed import (nothing was stored).
IMPORT_STARTABLE = frozenset({BatchStatus.CHECKED, BatchStatus.FAILED})


class ImportPhase(models.TextChoices):
    """Where a running import is: rows prepared outside any transaction, then one short write."""

    PREPARING = "preparing", _("preparing the cases")
    WRITING = "writing", _("writing the cases")

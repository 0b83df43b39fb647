from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    CHECKED = "checked", _("checked")
    IMPORTING = "importing", _("importing")
    IMPORTED = "imported", _("imported")
    FAILED = "failed", _("failed")


class SourceFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"

"""Batches: an institution's file of overdue debts, checked row by row before anything becomes a case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation
from xietong.cases.models import Case, Category

from .choices import BatchStatus, ImportPhase, SourceFormat


class Batch(models.Model):
    """One uploaded file. Checked at upload (status `checked`); its valid rows become cases on import."""

    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="batches"
    )
    # A user of the pages, or (null) an institution's API client (`api_client`).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("API client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    file = models.FileField(_("file"), upload_to="batches/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    source_format = models.CharField(_("format"), max_length=8, choices=SourceFormat.choices)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)  # field → header
    # What the file has no column for, set once for every row at mapping (columns.WHOLE_FILE): field → value.
    values = models.JSONField(_("values for every row"), default=dict, blank=True, db_default={})
    category = models.ForeignKey(
        Category,
        verbose_name=_("category of every case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Where the data sits in the file: the header's row; blank rows ignored, total rows (合计) set aside.
    header_row = models.PositiveIntegerField(_("header row"), default=1, db_default=1)
    blank_rows = models.PositiveIntegerField(_("blank rows ignored"), default=0, db_default=0)
    total_rows = models.PositiveIntegerField(_("total rows set aside"), default=0, db_default=0)
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.UPLOADED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    valid_count = models.PositiveIntegerField(_("valid rows"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    # Progress of the import, for the progress bar: `done` of `total` rows.
    total = models.PositiveIntegerField(_("to import"), default=0)
    done = models.PositiveIntegerField(_("imported"), default=0)
    check_seconds = models.FloatField(_("checking time (s)"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    # The import, run by a background task (see services.batch_import_start / batch_import_run).
    import_requested_by = models.JSONField(_("import requested by"), null=True, blank=True)  # audit ActorRef
    import_requested_at = models.DateTimeField(_("import requested"), null=True, blank=True)
    import_started_at = models.DateTimeField(_("import started"), null=True, blank=True)
    import_finished_at = models.DateTimeField(_("import finished"), null=True, blank=True)
    import_phase = models.CharField(_("import phase"), max_length=12, choices=ImportPhase.choices, blank=True)
    import_attempts = models.PositiveSmallIntegerField(_("import attempts"), default=0)
    import_task_id = models.CharField(_("task"), max_length=64, blank=True)
    # The worker running the import ("host:pid") and its last sign of life, for recovery after a kill.
    import_worker = models.CharField(_("worker"), max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    cases_from = models.CharField(_("first case number"), max_length=64, blank=True)
    cases_to = models.CharField(_("last case number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            # One live batch per file: after a failure the same file may be uploaded again as a new batch.
            models.UniqueConstraint(
                fields=["institution", "sha256"],
                condition=~models.Q(status="failed"),
                name="batch_unique_file_per_institution",
            ),
        ]
        indexes = [models.Index(fields=["institution", "-created_at"], name="batch_inst_recent_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"


class BatchRow(models.Model):
    """One data row of the file: as checked (`data`); for a refused row also as read (`raw`) and why (`errors`)."""

    batch = models.ForeignKey(
        Batch,
        verbose_name=_("batch"),
        on_delete=models.CASCADE,
        related_name="rows",
        db_index=False,  # batchrow_unique_number leads with it
    )
    number = models.PositiveIntegerField(_("row"))  # the row number in the file, header = 1
    raw = models.JSONField(_("as read"), default=dict)
    data = models.JSONField(_("checked data"), default=dict)
    errors = models.JSONField(_("errors"), default=list)  # [{"field", "column", "code", "message"}]
    is_valid = models.BooleanField(_("valid"), default=False)
    is_duplicate = models.BooleanField(_("duplicate"), default=False)
    # Kept as columns to find duplicates against earlier batches: cases have no contract number.
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True)
    contract_number = models.CharField(_("contract or card number"), max_length=64, blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="batch_rows"
    )

    class Meta:
        ordering = ["batch", "number"]
        verbose_name = _("batch row")
        verbose_name_plural = _("batch rows")
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="batchrow_unique_number")]
        indexes = [models.Index(fields=["contract_number", "id_number"], name="batchrow_contract_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"


class ColumnMapping(models.Model):
    """How one institution's own export maps onto the template's fields, reused when the headers match."""

    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="column_mappings"
    )
    headers_key = models.CharField(_("headers fingerprint"), max_length=64)
    headers = models.JSONField(_("headers"), default=list)
    mapping = models.JSONField(_("mapping"), default=dict)  # field → header
    values = models.JSONField(_("values for every row"), default=dict, blank=True, db_default={})
    category = models.ForeignKey(
        Category,
        verbose_name=_("category of every case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["institution", "headers_key"], name="columnmapping_unique_headers"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.headers_key[:8]}"

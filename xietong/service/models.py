"""Service of documents (送达): each document sent to the parties, one record per recipient, and every attempt."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation
from xietong.cases.models import Case, CaseParty

from .choices import (
    RECORD_TONE,
    AddressSource,
    AttemptMethod,
    DocumentKind,
    OpenedVia,
    Outcome,
    RecordStatus,
    ServedBy,
)


class ServedDocument(models.Model):
    """A document of a case to be served on its parties: an agreement, a ruling, a hearing notice..."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="served_documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="service/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_by_label = models.CharField(_("sent by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("served document")
        verbose_name_plural = _("served documents")
        indexes = [models.Index(fields=["case", "kind", "-created_at"], name="serveddoc_case_kind_idx")]

    def __str__(self) -> str:
        return f"{self.case} · {self.title}"


class ServiceRecord(models.Model):
    """The service of one document on one party: how, where, and whether it succeeded."""

    document = models.ForeignKey(
        ServedDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="records"
    )
    recipient = models.ForeignKey(
        CaseParty, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="service_records"
    )
    status = models.CharField(_("status"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    # The way chosen at sending (electronic with consent, otherwise by post).
    planned_method = models.CharField(_("planned method"), max_length=12, choices=AttemptMethod.choices)
    served_by = models.CharField(_("served by"), max_length=16, choices=ServedBy.choices, blank=True)
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    address = models.CharField(_("address used"), max_length=400, blank=True)  # a snapshot at sending
    address_source = models.CharField(_("address from"), max_length=16, choices=AddressSource.choices)
    # Electronic service: the SHA-256 of the link's token (the link itself is only in the message).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    alternative_reason = models.TextField(_("reason for the alternative"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["document", "pk"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        constraints = [
            models.UniqueConstraint(fields=["document", "recipient"], name="servicerecord_one_per_recipient"),
            models.CheckConstraint(
                condition=~models.Q(status__in=[RecordStatus.SERVED, RecordStatus.ALTERNATIVE])
                | (models.Q(served_at__isnull=False) & ~models.Q(served_by="")),
                name="servicerecord_served_has_time_and_way",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.recipient}"

    @property
    def tone(self) -> str:
        return RECORD_TONE[RecordStatus(self.status)]

    @property
    def no_confirmed_address(self) -> bool:
        return self.address_source in (AddressSource.ON_FILE, AddressSource.NONE)

    @property
    def is_done(self) -> bool:
        return self.status in (RecordStatus.SERVED, RecordStatus.ALTERNATIVE)


class ServiceAttempt(models.Model):
    """One step of serving: a link sent, a letter posted, its outcome, a visit. Appended, never changed."""

    record = models.ForeignKey(
        ServiceRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="attempts"
    )
    method = models.CharField(_("method"), max_length=12, choices=AttemptMethod.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("service attempt")
        verbose_name_plural = _("service attempts")
        indexes = [models.Index(fields=["outcome", "at"], name="serviceattempt_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.method} {self.outcome}"

    @property
    def note_display(self) -> str:
        """The note as shown: an opening's "link" or "platform" is a code, shown by its label."""
        if self.outcome == Outcome.OPENED and self.note in OpenedVia.values:
            return str(OpenedVia(self.note).label)
        return self.note


# Documents of no case, served on organisations ------------------------------------------------------


class OrganisationDocument(models.Model):
    """A document that belongs to no case (a judicial suggestion, say), served on organisations.

    `subject` links to what it serves, whatever app it comes from: the service app knows nothing of it.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    sender = models.ForeignKey(
        Organisation, verbose_name=_("sent by (court)"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="service/organisations/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_by_label = models.CharField(_("sent by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document served on organisations")
        verbose_name_plural = _("documents served on organisations")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="orgdoc_subject_idx")]

    def __str__(self) -> str:
        return self.title


class OrganisationServiceRecord(models.Model):
    """The service of one such document on one organisation: in the platform (served when one of its
    people opens it) or by post (served when delivered). A copy (抄送) is for information."""

    document = models.ForeignKey(
        OrganisationDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="records"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    is_copy = models.BooleanField(_("copy for information"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    planned_method = models.CharField(_("planned method"), max_length=12, choices=AttemptMethod.choices)
    served_by = models.CharField(_("served by"), max_length=16, choices=ServedBy.choices, blank=True)
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    address = models.CharField(_("address used"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["document", "is_copy", "pk"]
        verbose_name = _("service on an organisation")
        verbose_name_plural = _("services on organisations")
        constraints = [
            models.UniqueConstraint(fields=["document", "organisation"], name="orgservice_one_per_recipient"),
            models.CheckConstraint(
                condition=~models.Q(status=RecordStatus.SERVED)
                | (models.Q(served_at__isnull=False) & ~models.Q(served_by="")),
                name="orgservice_served_has_time_and_way",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.organisation}"

    @property
    def tone(self) -> str:
        return RECORD_TONE[RecordStatus(self.status)]

    @property
    def is_done(self) -> bool:
        return self.status == RecordStatus.SERVED


class OrganisationServiceAttempt(models.Model):
    """One step of serving on an organisation: the notice or letter sent, the letter's outcome, the
    opening. Appended, never changed."""

    record = models.ForeignKey(
        OrganisationServiceRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="attempts"
    )
    method = models.CharField(_("method"), max_length=12, choices=AttemptMethod.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("service attempt on an organisation")
        verbose_name_plural = _("service attempts on organisations")

    def __str__(self) -> str:
        return f"{self.record_id} {self.method} {self.outcome}"

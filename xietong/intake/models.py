"""Intake: one submission (an application) opens one case per institution; its files and service addresses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import ApiClient, Organisation
from xietong.cases.choices import Door
from xietong.cases.models import Case
from xietong.parties.models import Authorisation, Person

from .choices import AttachmentKind, DetectedType


class Application(models.Model):
    """What one submission opened, by whichever door it came in. Several institutions → several cases."""

    door = models.CharField(_("door"), max_length=10, choices=Door.choices)
    # The person who applied: the citizen, the relative acting for one, or the person a clerk or a
    # station agent filed for. Empty when an institution filed through the API.
    applicant = models.ForeignKey(
        Person,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("applicant institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # The party the cases are about, when the applicant acts for them under an authorisation.
    on_behalf_of = models.ForeignKey(
        Person,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications_for",
    )
    authorisation = models.ForeignKey(
        Authorisation, verbose_name=_("authorisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_applications",
    )
    api_client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), null=True, blank=True, on_delete=models.PROTECT
    )
    station = models.ForeignKey(
        Organisation,
        verbose_name=_("filing station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="station_applications",
    )
    consent_online_mediation = models.BooleanField(_("consents to online mediation"), default=False)
    consent_electronic_service = models.BooleanField(_("consents to electronic service"), default=False)
    reference = models.CharField(_("contract or card number"), max_length=64, blank=True)
    # A submission is taken once: the form's hidden token, or an API client's Idempotency-Key.
    client_token = models.CharField(_("submission token"), max_length=120, unique=True, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    cases = models.ManyToManyField(Case, verbose_name=_("cases"), related_name="applications", blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"{self.get_door_display()} #{self.pk}"


class Attachment(models.Model):
    """A file given with an application or a case. Its type is what its content says, not its name."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.EVIDENCE)
    file = models.FileField(_("file"), upload_to="intake/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    detected_type = models.CharField(_("file type"), max_length=8, choices=DetectedType.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application__isnull=False) | models.Q(case__isnull=False),
                name="attachment_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ServiceAddressConfirmation(models.Model):
    """送达地址确认书: where and how a party agrees to be served in one case."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="service_address_confirmations",
        db_index=False,  # sac_one_per_party_per_case leads with it
    )
    person = models.ForeignKey(
        Person, verbose_name=_("party"), on_delete=models.PROTECT, related_name="service_address_confirmations"
    )
    country = models.CharField(_("country or region"), max_length=2, default="CN")
    address = models.CharField(_("service address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    consent_electronic_service = models.BooleanField(_("consents to electronic service"), default=False)
    # Who confirmed it: the party, or the relative acting for them.
    confirmed_by = models.ForeignKey(
        Person,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)

    class Meta:
        verbose_name = _("service address confirmation")
        verbose_name_plural = _("service address confirmations")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="sac_one_per_party_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.person}"

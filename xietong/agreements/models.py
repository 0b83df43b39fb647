"""Agreements: the repayment plan the parties sign, frozen (hashed) once every party has signed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.cases.models import Case, CaseParty, money

from .choices import (
    AGREEMENT_STATUS_TONE,
    DEFAULT_AFTER_MISSED,
    DEFAULT_GRACE_DAYS,
    MAX_GRACE_DAYS,
    AgreementStatus,
    SignatureMethod,
)


class Agreement(models.Model):
    """One version of a case's mediation agreement (调解协议).

    The amounts: `agreed` = `total` (the case's total debt when drafted) − `waived` (interest and
    penalty the creditor gives up, at most interest + penalty). The instalments add up to `agreed`
    exactly. Once a party has signed, the version cannot change: it is voided (with a reason) and a
    new version drafted. When every party has signed, `content` is the frozen snapshot of everything
    signed and `content_hash` its SHA-256 (canonical JSON), also written to the audit trail.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    total = money(_("debt total"))
    waived = money(_("amount waived"))
    agreed = money(_("agreed total"))
    first_due = models.DateField(_("first instalment due"))
    default_clause = models.TextField(_("on default"))
    # The default terms, structured: what the daily follow-up of the repayment applies.
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=DEFAULT_GRACE_DAYS)
    default_after_missed = models.PositiveSmallIntegerField(
        _("missed instalments that default the plan"), default=DEFAULT_AFTER_MISSED
    )
    accelerate = models.BooleanField(_("the whole balance falls due on default"), default=True)
    terms = models.TextField(_("other terms"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), null=True, blank=True, on_delete=models.PROTECT
    )
    drafted_at = models.DateTimeField(_("drafted"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent for signing"), null=True, blank=True)
    content = models.JSONField(_("signed content"), null=True, blank=True)
    content_hash = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="agreements/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.CharField(_("voided by"), max_length=200, blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)

    class Meta:
        ordering = ["case", "-version"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="agreement_unique_version"),
            models.CheckConstraint(
                condition=models.Q(total__gte=0, waived__gte=0, agreed__gt=0), name="agreement_amounts_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(grace_days__lte=MAX_GRACE_DAYS, default_after_missed__gte=1),
                name="agreement_default_terms_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"

    @property
    def status_tone(self) -> str:
        return AGREEMENT_STATUS_TONE[AgreementStatus(self.status)]

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def instalment_sum(self) -> Decimal:
        return sum((i.amount for i in self.instalments.all()), Decimal("0.00"))


class Instalment(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField(_("no."))
    due_date = models.DateField(_("due"))
    amount = money(_("amount"))

    class Meta:
        ordering = ["agreement", "seq"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "seq"], name="instalment_unique_seq"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} #{self.seq}"


class AgreementSignature(models.Model):
    """One party's signature on one version. The person who signed may be the party's relative
    (under authorisation), the institution's operator, or a clerk recording a paper signature."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="signatures"
    )
    case_party = models.ForeignKey(CaseParty, verbose_name=_("party"), on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed or recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer = models.CharField(_("signer"), max_length=200)
    method = models.CharField(_("method"), max_length=10, choices=SignatureMethod.choices)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "signed_at", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "case_party"], name="agreement_signature_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.signer}"

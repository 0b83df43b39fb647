"""Judicial confirmation (司法确认) and, when mediation fails, filing (立案), hearings and the outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import ApiClient
from xietong.cases.models import Case, CaseEvent, CaseParty

from .choices import CHECKLIST, FilingChannel, HearingStatus, OutcomeKind, ReviewDecision, RulingKind


class ConfirmationReview(models.Model):
    """A judge's review of a signed agreement against the checklist, and the decision taken on it."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="confirmation_reviews"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="confirmation_reviews",
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="+"
    )
    voluntary = models.BooleanField(_("both parties agreed voluntarily"), default=False)
    lawful = models.BooleanField(_("lawful"), default=False)
    within_jurisdiction = models.BooleanField(_("within this court's jurisdiction"), default=False)
    parties_identified = models.BooleanField(_("the parties' identities are verified"), default=False)
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    # The timeline entry of the transition the decision led to; empty only inside the deciding
    # transaction, which is what the "confirm"/"refuse_confirmation" guards look for.
    event = models.OneToOneField(
        CaseEvent, verbose_name=_("timeline entry"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("confirmation review")
        verbose_name_plural = _("confirmation reviews")

    def __str__(self) -> str:
        return f"{self.case} {self.decision}"

    @property
    def checklist(self) -> list[tuple[str, str, bool]]:
        return [(name, str(label), bool(getattr(self, name))) for name, label in CHECKLIST]


class TrialOutcome(models.Model):
    """How a filed case ended: a judgment, a settlement mediated in court, or the plaintiff's withdrawal."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="trial_outcome")
    kind = models.CharField(_("outcome"), max_length=12, choices=OutcomeKind.choices)
    summary = models.TextField(_("summary"))
    amount_awarded = models.DecimalField(_("amount awarded"), max_digits=14, decimal_places=2, null=True, blank=True)
    # When the amount awarded is paid: [["2026-03-20", "1500.00"], ...] adding up to it (one line: one due
    # date). Empty: within ten days of the judgment taking effect. With a schedule the case is repaid
    # on a plan (xietong/repayment), a settlement in court included.
    schedule = models.JSONField(_("payment schedule"), default=list, db_default=[], blank=True)
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("trial outcome")
        verbose_name_plural = _("trial outcomes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_awarded__isnull=True) | models.Q(amount_awarded__gte=0),
                name="outcome_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class Ruling(models.Model):
    """A court document with its number: the 民特 ruling of confirmation, a judgment, a mediation statement."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="rulings")
    kind = models.CharField(_("kind"), max_length=12, choices=RulingKind.choices)
    number = models.CharField(_("number"), max_length=64)
    body = models.TextField(_("text"))
    # Rendered when issued; the demo renders on first download instead (pdf empty, sha256 empty until then).
    pdf = models.FileField(_("PDF"), upload_to="judiciary/rulings/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="+"
    )
    review = models.OneToOneField(
        ConfirmationReview,
        verbose_name=_("confirmation review"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ruling",
    )
    outcome = models.OneToOneField(
        TrialOutcome,
        verbose_name=_("trial outcome"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ruling",
    )

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("ruling")
        verbose_name_plural = _("rulings")
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="ruling_one_per_kind")]

    def __str__(self) -> str:
        return self.number


class FilingRequest(models.Model):
    """The plaintiff's request that the failed mediation be filed for trial (立案申请)."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="filing_request")
    party = models.ForeignKey(
        CaseParty, verbose_name=_("plaintiff"), on_delete=models.PROTECT, related_name="filing_requests"
    )
    channel = models.CharField(_("how"), max_length=12, choices=FilingChannel.choices)
    requested_by = models.CharField(_("requested by"), max_length=200)
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by_api_client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("requested"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("filing request")
        verbose_name_plural = _("filing requests")

    def __str__(self) -> str:
        return f"{self.case} {self.requested_by}"


class Hearing(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="hearings")
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HearingStatus.choices, default=HearingStatus.SCHEDULED
    )
    notice_id = models.PositiveIntegerField(_("served notice"), null=True, blank=True)  # the service app's document
    # The notice's content, frozen when the hearing is scheduled; its PDF is rendered and served after the commit.
    notice_html = models.TextField(_("notice"), blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        constraints = [
            models.CheckConstraint(condition=~models.Q(place="", online_link=""), name="hearing_has_place_or_link")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.starts_at:%Y-%m-%d %H:%M}"

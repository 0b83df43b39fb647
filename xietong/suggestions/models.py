"""司法建议书: a court's judicial suggestion to an institution, its numbering and the court's settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation


class SuggestionState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SIGNED = "signed", _("signed off")


class CourtSuggestionSettings(models.Model):
    """Per court: the form of the number, the reply period and whether a second person signs off."""

    court = models.OneToOneField(
        Organisation, verbose_name=_("court"), on_delete=models.PROTECT, related_name="suggestion_settings"
    )
    # e.g. "闽08": the number reads （2026）闽08司建3号.
    number_prefix = models.CharField(_("number prefix"), max_length=20)
    number_template = models.CharField(_("number form"), max_length=60, default="（{year}）{prefix}司建{seq}号")
    reply_months = models.PositiveSmallIntegerField(_("reply period (months)"), default=2)
    second_signer_required = models.BooleanField(_("sign-off by a second person"), default=True)

    class Meta:
        verbose_name = _("court settings for judicial suggestions")
        verbose_name_plural = _("court settings for judicial suggestions")

    def __str__(self) -> str:
        return str(self.court)


class SuggestionSequence(models.Model):
    """The last number issued per court and year; locked while a number is issued (no repeats)."""

    court = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["court", "year"], name="suggestionseq_unique")]

    def __str__(self) -> str:
        return f"{self.court_id}/{self.year}: {self.last}"


class Suggestion(models.Model):
    court = models.ForeignKey(Organisation, verbose_name=_("court"), on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        Organisation, verbose_name=_("addressee"), on_delete=models.PROTECT, related_name="suggestions"
    )
    copies_to = models.ManyToManyField(Organisation, verbose_name=_("copies to"), related_name="+", blank=True)
    number = models.CharField(_("number"), max_length=64, unique=True, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    problems = models.TextField(_("problems found"))
    causes = models.TextField(_("causes"), blank=True)
    recommendations = models.JSONField(_("recommendations"), default=list)  # [str], numbered in order
    legal_basis = models.TextField(_("legal basis"))
    reply_deadline = models.DateField(_("reply by"))
    # The figures as they were when drafted, and the query that produced them.
    snapshot = models.JSONField(_("statistics"), default=dict)
    snapshot_query = models.JSONField(_("query"), default=dict)
    source_case_count = models.PositiveIntegerField(_("cases counted"), default=0)
    state = models.CharField(_("state"), max_length=12, choices=SuggestionState.choices, default=SuggestionState.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("judicial suggestion")
        verbose_name_plural = _("judicial suggestions")
        # Division heads and deputy presidents are given this permission (a group in the admin).
        permissions = [("sign_suggestion", _("Can sign off judicial suggestions"))]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state=SuggestionState.SIGNED)
                | (models.Q(number__isnull=False) & models.Q(signed_at__isnull=False)),
                name="suggestion_signed_has_number",
            )
        ]

    def __str__(self) -> str:
        return self.number or str(self.title)

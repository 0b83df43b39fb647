"""司法建议书: a court's judicial suggestion to an institution, its numbering and the court's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.accounts.models import Organisation
from xietong.cases.models import Case


class SuggestionState(models.TextChoices):
    """draft → signed → sent → served → answered (or overdue first) → reviewed."""

    DRAFT = "draft", pgettext_lazy("suggestion state", "draft")
    SIGNED = "signed", pgettext_lazy("suggestion state", "signed off")
    SENT = "sent", pgettext_lazy("suggestion state", "sent for service")
    SERVED = "served", pgettext_lazy("suggestion state", "served")
    OVERDUE = "overdue", pgettext_lazy("suggestion state", "reply overdue")
    ANSWERED = "answered", pgettext_lazy("suggestion state", "answered")
    REVIEWED = "reviewed", pgettext_lazy("suggestion state", "effect reviewed")


STATE_TONE = {
    SuggestionState.DRAFT: "muted",
    SuggestionState.SIGNED: "info",
    SuggestionState.SENT: "info",
    SuggestionState.SERVED: "work",
    SuggestionState.OVERDUE: "bad",
    SuggestionState.ANSWERED: "good",
    SuggestionState.REVIEWED: "done",
}
# Sent to the institution: it (and the regulators copied) may see it from here on.
OUT_STATES = frozenset(
    {
        SuggestionState.SENT,
        SuggestionState.SERVED,
        SuggestionState.OVERDUE,
        SuggestionState.ANSWERED,
        SuggestionState.REVIEWED,
    }
)
# Waiting for the institution's answer.
AWAITING_STATES = frozenset({SuggestionState.SENT, SuggestionState.SERVED, SuggestionState.OVERDUE})


class Verdict(models.TextChoices):
    """What the institution did with one recommendation."""

    ADOPTED = "adopted", _("adopted")
    PARTLY = "partly", _("partly adopted")
    NOT_ADOPTED = "not_adopted", _("not adopted")


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
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to the regulators (days after the deadline)"),
        default=15,
        db_default=15,
        help_text=_("A reminder goes to the institution the day after the deadline; then, this many days later, "
                    "the regulators copied are told."),
    )  # fmt: skip
    review_months = models.PositiveSmallIntegerField(
        _("effect review (months after the answer)"),
        default=3,
        db_default=3,
        help_text=_("The original measure is run again this many months after the institution answered."),
    )

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
    number = models.CharField(pgettext_lazy("suggestion", "number"), max_length=64, unique=True, null=True, blank=True)
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
    # The parameters that reproduce the figures (measure.Query): defect, detail, institution, window.
    snapshot_query = models.JSONField(_("query"), default=dict)
    source_case_count = models.PositiveIntegerField(_("cases counted"), default=0)
    # The cases behind the figures: listed to the court's staff only, never to the institution or regulators.
    source_cases = models.ManyToManyField(Case, verbose_name=_("source cases"), related_name="+", blank=True)
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
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the regulators"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("effect reviewed"), null=True, blank=True)
    review = models.JSONField(_("effect review"), default=dict, db_default={}, blank=True)  # frozen when reviewed
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("judicial suggestion")
        verbose_name_plural = _("judicial suggestions")
        # Division heads and deputy presidents are given this permission (a group in the admin).
        permissions = [("sign_suggestion", _("Can sign off judicial suggestions"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state=SuggestionState.DRAFT)
                | (models.Q(number__isnull=False) & models.Q(signed_at__isnull=False)),
                name="suggestion_signed_has_number",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=sorted(OUT_STATES)) | models.Q(sent_at__isnull=False),
                name="suggestion_out_was_sent",
            ),
        ]
        indexes = [models.Index(fields=["state", "reply_deadline"], name="suggestion_state_deadline_idx")]

    def __str__(self) -> str:
        return self.number or str(self.title)

    @property
    def tone(self) -> str:
        return STATE_TONE[SuggestionState(self.state)]

    @property
    def is_out(self) -> bool:
        return self.state in OUT_STATES

    @property
    def awaits_answer(self) -> bool:
        return self.state in AWAITING_STATES

    def is_overdue_on(self, day: dt.date) -> bool:
        return self.state in AWAITING_STATES and day > self.reply_deadline


class SuggestionAnswer(models.Model):
    """The institution's answer: what it did, and for each recommendation whether it adopted it."""

    suggestion = models.OneToOneField(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="answer"
    )
    actions = models.TextField(_("what the institution did"))
    # [{"n": 1, "verdict": "adopted" | "partly" | "not_adopted", "reason": "..."}], one per recommendation.
    items = models.JSONField(_("recommendations answered"), default=list)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_by_label = models.CharField(_("answered by"), max_length=200)
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("answer to a judicial suggestion")
        verbose_name_plural = _("answers to judicial suggestions")

    def __str__(self) -> str:
        return f"{self.suggestion} ← {self.answered_by_label}"

    def rows(self, recommendations: list[str]) -> list[dict[str, Any]]:
        by_n = {int(i["n"]): i for i in self.items}
        out = []
        for n, text in enumerate(recommendations, start=1):
            item = by_n.get(n, {})
            verdict = str(item.get("verdict", ""))
            out.append(
                {
                    "n": n,
                    "text": text,
                    "verdict": verdict,
                    "verdict_label": Verdict(verdict).label if verdict in Verdict.values else "",
                    "reason": item.get("reason", ""),
                }
            )
        return out


class AnswerAttachment(models.Model):
    """A file given with the answer (the institution's new form, say). Its type is what its content says."""

    answer = models.ForeignKey(
        SuggestionAnswer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="suggestions/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    detected_type = models.CharField(_("file type"), max_length=8)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment to an answer")
        verbose_name_plural = _("attachments to answers")

    def __str__(self) -> str:
        return self.original_name

"""Group-risk early warning: daily counts per stratum, warnings and their steps.

* `NamedRespondent`: the party a claimant names who is not a licensed institution (an "investment"
  company, a person), recorded on the case at intake. Claimants naming the same one (by its unified
  social credit code, else by its normalised name) are counted together.
* `DailyCount`: new disputes per day and stratum with the number of distinct claimants. Built by
  `risk_counts_rollup` (one day, idempotent) and `risk_counts_rebuild`. An institution's own
  deliveries (batch and API) are counted in the `collection` dimension only.
* `RiskWarning`: one open warning per stratum and detector, with the reading that raised it (series,
  baseline, threshold, parameters, why) and its workflow state; `WarningStep` is its history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation
from xietong.cases.models import Case

from .choices import (
    OPEN_STATES,
    STEP_LABELS,
    Detector,
    Dimension,
    Resolution,
    RespondentKind,
    Severity,
    WarningKind,
    WarningState,
)


class NamedRespondent(models.Model):
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="named_respondent")
    kind = models.CharField(_("kind"), max_length=10, choices=RespondentKind.choices, default=RespondentKind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    key = models.CharField(_("matching key"), max_length=220, db_index=True)

    class Meta:
        verbose_name = _("named respondent")
        verbose_name_plural = _("named respondents")

    def __str__(self) -> str:
        return self.name


class DailyCount(models.Model):
    day = models.DateField(_("day"))
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    key = models.CharField(_("stratum"), max_length=220)
    label = models.CharField(_("label"), max_length=220, blank=True)
    cases = models.PositiveIntegerField(_("new disputes"))
    claimants = models.PositiveIntegerField(_("distinct claimants"))

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [models.UniqueConstraint(fields=["day", "dimension", "key"], name="risk_count_unique")]
        indexes = [models.Index(fields=["dimension", "key", "day"], name="risk_count_series_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}:{self.key} {self.cases}"


class RiskWarning(models.Model):
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    key = models.CharField(_("stratum"), max_length=220)
    label = models.CharField(_("stratum"), max_length=220)
    respondent_kind = models.CharField(_("respondent kind"), max_length=10, choices=RespondentKind.choices, blank=True)
    institution = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_warnings",
    )
    detector = models.CharField(_("detector"), max_length=20, choices=Detector.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=WarningKind.choices, default=WarningKind.SIGNAL)
    state = models.CharField(_("state"), max_length=16, choices=WarningState.choices, default=WarningState.NEW)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    notified_severity = models.PositiveSmallIntegerField(_("severity last notified"), default=0)
    opened_on = models.DateField(_("first raised on"))
    reading_on = models.DateField(_("last reading on"))
    observed = models.PositiveIntegerField(_("observed"))
    claimants = models.PositiveIntegerField(_("distinct claimants"), default=0)
    baseline = models.FloatField(_("baseline (expected)"))
    threshold = models.FloatField(_("threshold"))
    params = models.JSONField(_("parameters"), default=dict)
    why = models.JSONField(_("why"), default=dict)
    # [{"day": "2026-11-01", "cases": 3, "claimants": 3}, ...] — the daily series the reading saw.
    series = models.JSONField(_("series"), default=list)
    # The disputes behind a lead on near-identical facts (it has no stratum to count them by).
    # Nullable so that the release still running during the upgrade can insert warnings without it.
    case_ids = models.JSONField(_("disputes"), null=True, blank=True, default=list)
    escalated_to = models.ForeignKey(
        Organisation,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_escalations",
    )
    escalation_note = models.TextField(_("escalation note"), blank=True)
    resolution = models.CharField(_("resolution"), max_length=12, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    snooze_reason = models.TextField(_("snooze reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-severity", "-reading_on", "-pk"]
        verbose_name = _("risk warning")
        verbose_name_plural = _("risk warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "key", "detector"],
                condition=models.Q(state__in=sorted(OPEN_STATES)),
                name="risk_warning_one_open",
            ),
        ]
        indexes = [models.Index(fields=["state", "dimension"], name="risk_warning_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} {self.label}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class WarningStep(models.Model):
    """The warning's own history, shown on its page (the audit trail has the same with hashes)."""

    warning = models.ForeignKey(RiskWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("time"), default=timezone.now)
    code = models.CharField(_("step"), max_length=20)
    from_state = models.CharField(_("from"), max_length=16, choices=WarningState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=WarningState.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("warning step")
        verbose_name_plural = _("warning steps")

    def __str__(self) -> str:
        return f"{self.warning_id} {self.code}"

    @property
    def label(self) -> str:
        """The step in the reader's language (an unknown code as it is)."""
        return str(STEP_LABELS.get(self.code, self.code))

    @property
    def severity_label(self) -> str:
        """The severity a raising step reached, in words ('' for the other steps)."""
        severity = (self.data or {}).get("severity")
        return str(Severity(severity).label) if severity in Severity.values else ""


class WarningNotice(models.Model):
    """One notification of a warning (raised, or raised again at a higher severity)."""

    warning = models.ForeignKey(
        RiskWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="notices"
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("warning notice")
        verbose_name_plural = _("warning notices")

    def __str__(self) -> str:
        return f"{self.warning_id} {self.severity}"

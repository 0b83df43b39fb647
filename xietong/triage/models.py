"""Triage rules, the small-claims memorandum, and the decisions taken on each case.

How rules decide (`xietong.triage.services.triage_evaluate`):

* Active rules are tried in `position` order (then by id). A rule *matches* when every condition
  it sets holds; a condition left empty is not checked. A rule with no condition matches every case.
* **First matching rule wins per outcome field**: the category, channel, track and team are each
  set by the first matching rule that sets that field; later matching rules only fill the
  fields still open. So a "fast track for small credit-card claims" rule and a "red category →
  group risk" rule can both apply to one case.
* The built-in **small-claims memorandum** rule comes before all configured rules for the
  track: a total of at most the memorandum's limit (100,000.00 by default) with an institution
  whose memorandum is in force on the case's submission date puts the case on the fast track.
* Conditions look at the case as it was submitted (its own category, not one a rule sets). The
  keyword condition reads the facts as written: a rule can give the category of a loan programme
  (e.g. "水土保持" → the green water-and-soil category) at every door, whatever the filer chose.
* The group-risk condition (`in_risk_stratum`) asks the risk app whether the case belongs to the
  stratum of an open warning or claimant cluster; it replaced the old "surge" condition (open
  disputes with one institution in N days), which counted an institution's own batch against it.
* Fields no rule sets: the case keeps its category; channel defaults to mediable, track to
  normal; the team stays as it is.
* A rule's team applies only to cases of that team's court.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.cases.choices import Channel, Product, Track, Wish
from xietong.cases.models import Case, Category, Team

from .choices import DecisionKind

SMALL_CLAIMS_LIMIT = Decimal("100000.00")


def _codes(value: Any, allowed: list[str], what: str) -> None:
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise ValidationError(_("%(what)s must be a list of codes.") % {"what": what})
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValidationError(
            _("Unknown %(what)s: %(codes)s. Use: %(allowed)s.")
            % {"what": what, "codes": ", ".join(unknown), "allowed": ", ".join(allowed)}
        )


def validate_products(value: Any) -> None:
    _codes(value, list(Product.values), str(_("products")))


def validate_wishes(value: Any) -> None:
    _codes(value, list(Wish.values), str(_("wishes")))


def validate_keywords(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise ValidationError(_("Keywords must be a list of words or phrases."))


class TriageRule(models.Model):
    """One ordered rule: conditions (all must hold) and outcomes. See the module docstring."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("order"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    # Conditions: empty means "not checked".
    min_total = models.DecimalField(_("total at least (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_total = models.DecimalField(_("total at most (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    products = models.JSONField(
        _("products"),
        default=list,
        blank=True,
        validators=[validate_products],
        help_text=format_lazy("{} {}", _("Product codes, any of:"), ", ".join(Product.values)),
    )
    institutions = models.ManyToManyField(
        Organisation,
        verbose_name=_("institutions"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.INSTITUTION},
    )
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="+")
    min_parties = models.PositiveSmallIntegerField(_("parties at least"), null=True, blank=True)
    max_parties = models.PositiveSmallIntegerField(_("parties at most"), null=True, blank=True)
    has_overseas_party = models.BooleanField(
        _("a party lives abroad"), null=True, blank=True, help_text=_("Empty: not checked.")
    )
    wishes = models.JSONField(
        _("applicant wishes any of"),
        default=list,
        blank=True,
        validators=[validate_wishes],
        help_text=format_lazy("{} {}", _("Wish codes, any of:"), ", ".join(Wish.values)),
    )
    # Nullable so that the release still running during the upgrade can insert rules without it.
    keywords = models.JSONField(
        _("facts mention any of"),
        null=True,
        blank=True,
        default=list,
        validators=[validate_keywords],
        help_text=_(
            "Words or phrases, e.g. the name of a loan programme; the rule matches when the dispute's facts "
            "contain any of them."
        ),
    )
    in_risk_stratum = models.BooleanField(
        _("belongs to the stratum of an open risk warning or lead"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: not checked. A stratum is an institution, product, category, district, door or named "
            "respondent with an open group-risk warning or claimant cluster (see the risk warnings). An "
            "institution's own deliveries (batch, API) never belong to one."
        ),
    )
    # Retired with the surge condition; read by nothing. Kept for one release so that the release still
    # running during the upgrade finds its columns (docs/operations.md); dropped in the next release.
    surge_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    surge_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Outcomes: empty means "this rule does not set it".
    set_category = models.ForeignKey(
        Category, verbose_name=_("set category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_channel = models.CharField(_("set channel"), max_length=20, choices=Channel.choices, blank=True)
    set_track = models.CharField(_("set track"), max_length=10, choices=Track.choices, blank=True)
    set_team = models.ForeignKey(
        Team, verbose_name=_("set team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("triage rule")
        verbose_name_plural = _("triage rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.min_total is not None and self.min_total < 0:
            errors["min_total"] = _("An amount cannot be negative.")
        if self.max_total is not None and self.max_total < 0:
            errors["max_total"] = _("An amount cannot be negative.")
        if self.min_total is not None and self.max_total is not None and self.min_total > self.max_total:
            errors["max_total"] = _("The highest total must not be below the lowest total.")
        if self.min_parties is not None and self.max_parties is not None and self.min_parties > self.max_parties:
            errors["max_parties"] = _("The highest number of parties must not be below the lowest.")
        if not (self.set_category_id or self.set_channel or self.set_track or self.set_team_id):
            errors["set_channel"] = _("A rule must set at least one of category, channel, track or team.")
        if errors:
            raise ValidationError(errors)


class SmallClaimsMemorandum(models.Model):
    """An institution's signed small-claims memorandum: its disputes up to the limit go to the fast track."""

    institution = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="small_claims_memoranda",
        limit_choices_to={"kind": OrganisationKind.INSTITUTION},
    )
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), help_text=_("The last day of the term."))
    amount_limit = models.DecimalField(
        _("amount limit (yuan)"), max_digits=14, decimal_places=2, default=SMALL_CLAIMS_LIMIT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["institution", "-signed_on"]
        verbose_name = _("small-claims memorandum")
        verbose_name_plural = _("small-claims memoranda")

    def __str__(self) -> str:
        return f"{self.institution} {self.signed_on}–{self.valid_until}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.signed_on and self.valid_until and self.valid_until < self.signed_on:
            errors["valid_until"] = _("The term cannot end before the memorandum is signed.")
        if self.amount_limit is not None and self.amount_limit <= 0:
            errors["amount_limit"] = _("The limit must be above zero.")
        if self.institution_id and self.institution.kind != OrganisationKind.INSTITUTION:
            errors["institution"] = _("Only a financial institution signs the memorandum.")
        if errors:
            raise ValidationError(errors)


class TriageDecision(models.Model):
    """One triage of a case, automatic or by staff. The latest is the current one; all are kept."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="triage_decisions",
        db_index=False,  # triage_decision_case_idx leads with it
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DecisionKind.choices)
    rule = models.ForeignKey(
        TriageRule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(_("rule name"), max_length=100, blank=True)
    # [{"field": "channel", "rule": "name" | None, "reasons": [{"code": ..., "params": {...}}]}]
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    reason = models.TextField(_("override reason"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    track = models.CharField(_("track"), max_length=10, choices=Track.choices, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")
        indexes = [models.Index(fields=["case", "-at"], name="triage_decision_case_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.at:%Y-%m-%d}"

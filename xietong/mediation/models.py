"""Mediation: the pool of invited mediators, their assignments, and the work on a case —
contacts, sessions, offers and the debtor's affordability worksheet."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.cases.models import Case, CaseParty, money
from xietong.parties.models import Person

from .choices import (
    OFFER_STATUS_TONE,
    ContactChannel,
    ContactOutcome,
    Language,
    OfferSide,
    OfferStatus,
    SessionMode,
    SessionStatus,
    Specialty,
)

# The affordability rule: half of what is left each month, in whole yuan, over at most 36 months.
AFFORDABLE_SHARE = Decimal("0.5")
MAX_PLAN_MONTHS = 36


class MediatorProfile(models.Model):
    """An invited mediator (特邀调解员): organisation, specialties, languages, capacity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("mediator"), on_delete=models.CASCADE, related_name="mediator_profile"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("mediation organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediator_profiles",
        limit_choices_to={"kind__in": [OrganisationKind.MEDIATION_ORG, OrganisationKind.COURT]},
    )
    specialties = models.JSONField(_("specialties"), default=list, blank=True)  # codes of Specialty
    languages = models.JSONField(_("languages"), default=list, blank=True)  # codes of Language
    capacity = models.PositiveSmallIntegerField(_("capacity (open cases)"), default=20)
    is_available = models.BooleanField(_("available for new cases"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("mediator profile")
        verbose_name_plural = _("mediator profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def specialty_labels(self) -> list[str]:
        return [str(Specialty(s).label) for s in self.specialties if s in Specialty.values]

    @property
    def language_labels(self) -> list[str]:
        return [str(Language(code).label) for code in self.languages if code in Language.values]


class Assignment(models.Model):
    """Every time a case got a mediator, by hand or automatically, and why. Append-only."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mediator"), on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_by = models.CharField(_("assigned by"), max_length=200)
    auto = models.BooleanField(_("automatic"), default=False)
    # Why, as the writer read it; and as a message with its parameters, shown in the reader's language.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reason_message = models.JSONField(_("reason (message)"), default=dict, db_default={}, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("mediator assignment")
        verbose_name_plural = _("mediator assignments")
        indexes = [models.Index(fields=["case", "at"], name="med_assignment_case_idx")]

    def __str__(self) -> str:
        return f"{self.case} → {self.mediator}"

    @property
    def reason_text(self) -> str:
        from xietong.core.messages import message_render

        return message_render(self.reason_message, self.reason)


class ContactLog(models.Model):
    """One contact the mediator had with a party: how, with whom, what came of it, what next."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="contacts")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mediator"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    party = models.ForeignKey(
        CaseParty, verbose_name=_("with"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step date"), null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["case", "-at"], name="med_contact_case_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.channel} {self.at:%Y-%m-%d}"


class MediationSession(models.Model):
    """A mediation session, in person (a place) or online (a meeting link)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    mode = models.CharField(_("mode"), max_length=10, choices=SessionMode.choices)
    meeting_link = models.URLField(_("meeting link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.CharField(_("scheduled by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        indexes = [models.Index(fields=["case", "starts_at"], name="med_session_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(mode=SessionMode.ONLINE) | ~models.Q(meeting_link=""),
                name="med_session_online_has_link",
            ),
            models.CheckConstraint(
                condition=~models.Q(mode=SessionMode.IN_PERSON) | ~models.Q(place=""),
                name="med_session_in_person_has_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    def local_time(self, tz_name: str) -> dt.datetime:
        """The start in the given IANA zone (falling back to the server's zone for an unknown name)."""
        try:
            tz = zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return self.starts_at.astimezone(tz)


class Offer(models.Model):
    """An offer from one side (the debtor or the institution), possibly countering an earlier one.

    At most one offer of a case is open at a time; a new offer closes the previous as countered.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="offers")
    side = models.CharField(_("side"), max_length=12, choices=OfferSide.choices)
    made_by = models.CharField(_("made by"), max_length=200)
    made_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    total = money(_("total to repay"))
    instalments = models.PositiveSmallIntegerField(_("monthly instalments"), default=1)
    first_payment_on = models.DateField(_("first payment"))
    waived = money(_("interest and penalty waived"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    parent = models.ForeignKey(
        "self", verbose_name=_("counters"), null=True, blank=True, on_delete=models.PROTECT, related_name="counters"
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["case", "created_at"], name="med_offer_case_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status=OfferStatus.OPEN), name="med_offer_one_open_per_case"
            ),
            models.CheckConstraint(
                condition=models.Q(total__gt=0, waived__gte=0, instalments__gte=1, instalments__lte=120),
                name="med_offer_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.side} {self.total}"

    @property
    def status_tone(self) -> str:
        return OFFER_STATUS_TONE[OfferStatus(self.status)]

    @property
    def monthly(self) -> Decimal:
        """The usual monthly payment (the last instalment takes the rest)."""
        return (self.total / self.instalments).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def other_side(self) -> str:
        return OfferSide.INSTITUTION if self.side == OfferSide.DEBTOR else OfferSide.DEBTOR


class Affordability(models.Model):
    """The debtor's monthly budget, worked through by the mediator as the starting point for an offer.

    The rule: what is left each month is income minus expenses minus other debts' payments (never
    below zero); half of it, rounded DOWN to whole yuan, is the affordable monthly payment; the plan
    length is the amount to repay (the case's total) divided by that payment, rounded UP to whole
    months, capped at 36 months. When the cap is reached the debt cannot be repaid in 36 months at
    that rate (`exceeds_cap`), and the parties must look at a waiver or a larger payment.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="affordability")
    person = models.ForeignKey(Person, verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="+")
    monthly_income = money(_("monthly income"))
    monthly_expenses = money(_("monthly living expenses"))
    other_debts = money(_("other debts' monthly payments"))
    dependants = models.PositiveSmallIntegerField(_("dependants"), default=0)
    note = models.TextField(_("note"), blank=True)
    updated_by = models.CharField(_("by"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("affordability worksheet")
        verbose_name_plural = _("affordability worksheets")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="med_affordability_one_per_debtor"),
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0, monthly_expenses__gte=0, other_debts__gte=0),
                name="med_affordability_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.person}"

    @property
    def disposable(self) -> Decimal:
        left = self.monthly_income - self.monthly_expenses - self.other_debts
        return max(Decimal("0.00"), left).quantize(Decimal("0.01"))

    @property
    def suggested_monthly(self) -> Decimal:
        """Half of the disposable income, rounded down to whole yuan (two decimals kept: 1234.00)."""
        return (
            (self.disposable * AFFORDABLE_SHARE).quantize(Decimal("1"), rounding=ROUND_DOWN).quantize(Decimal("0.01"))
        )

    @property
    def amount_to_repay(self) -> Decimal:
        return self.case.total

    @property
    def months_needed(self) -> int | None:
        """Whole months to repay at the suggested payment; None when nothing can be paid."""
        monthly = self.suggested_monthly
        if monthly <= 0:
            return None
        return math.ceil(self.amount_to_repay / monthly)

    @property
    def suggested_months(self) -> int:
        needed = self.months_needed
        if needed is None:
            return MAX_PLAN_MONTHS
        return max(1, min(needed, MAX_PLAN_MONTHS))

    @property
    def exceeds_cap(self) -> bool:
        """True when the debt cannot be repaid within 36 months at the suggested payment."""
        needed = self.months_needed
        return needed is None or needed > MAX_PLAN_MONTHS

    @property
    def suggested_total(self) -> Decimal:
        """What the suggested plan repays: the whole debt, or what 36 payments reach when capped."""
        if self.exceeds_cap:
            return (self.suggested_monthly * MAX_PLAN_MONTHS).quantize(Decimal("0.01"))
        return self.amount_to_repay

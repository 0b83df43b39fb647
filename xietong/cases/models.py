from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from xietong.accounts.models import Organisation
from xietong.parties.models import Authorisation, Person

from .choices import (
    STATE_TONE,
    CaseState,
    Channel,
    Colour,
    Door,
    NumberKind,
    PartyRole,
    Product,
    TeamKind,
    Track,
)
from .definitions import PRE_LITIGATION_STATES, is_overdue


def money(verbose_name: StrOrPromise) -> models.DecimalField[Decimal, Decimal]:
    """Yuan with two decimals, never a float."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=Decimal("0.00"))


class Category(models.Model):
    """A kind of dispute, with an optional colour (green/yellow/red). Data, not code."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    court = models.ForeignKey(Organisation, verbose_name=_("court"), on_delete=models.PROTECT, related_name="teams")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="teams"
    )

    class Meta:
        ordering = ["court", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["court", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(models.QuerySet["Case"]):
    def restrict(self, actor: object, action: str = "view") -> CaseQuerySet:
        """The cases this actor may see. One rule for every page and every API route."""
        from .permissions import restrict_cases

        return restrict_cases(self, actor, action)


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=64, unique=True, null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED)
    # Foreign keys marked db_index=False are led by a composite index below: one index less per write.
    court = models.ForeignKey(
        Organisation,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        related_name="court_cases",
        db_index=False,  # case_court_recent_idx
    )
    institution = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="institution_cases",
        null=True,
        blank=True,
        db_index=False,  # case_inst_recent_idx
    )
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    track = models.CharField(_("track"), max_length=10, choices=Track.choices, blank=True)
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediated_cases",
        db_index=False,  # case_mediator_recent_idx
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="judged_cases",
    )
    door = models.CharField(_("door"), max_length=10, choices=Door.choices)
    station = models.ForeignKey(
        Organisation,
        verbose_name=_("filing station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="station_cases",
    )
    principal = money(_("principal"))
    interest = money(_("interest"))
    penalty = money(_("penalty"))
    total = money(_("total"))
    facts = models.TextField(_("facts"), blank=True)
    claims = models.TextField(_("claims"), blank=True)
    wishes = models.JSONField(_("wishes"), default=list, blank=True)  # codes of choices.Wish
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_cases",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["court", "-submitted_at"], name="case_court_recent_idx"),
            models.Index(fields=["institution", "-submitted_at"], name="case_inst_recent_idx"),
            models.Index(fields=["mediator", "-submitted_at"], name="case_mediator_recent_idx"),
            models.Index(fields=["state", "-submitted_at"], name="case_state_recent_idx"),
            models.Index(fields=["-submitted_at"], name="case_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal__gte=0, interest__gte=0, penalty__gte=0, total__gte=0),
                name="case_amounts_not_negative",
            ),
            # Rounded to the cent: SQLite adds decimals as binary floats (0.10 + 0.20 != 0.30).
            models.CheckConstraint(
                condition=models.Q(total=Round(models.F("principal") + models.F("interest") + models.F("penalty"), 2)),
                name="case_total_is_sum",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def state_tone(self) -> str:
        return STATE_TONE[CaseState(self.state)]

    @property
    def age_days(self) -> int:
        end = self.closed_at or timezone.now()
        return (end - self.submitted_at).days

    @property
    def is_overdue(self) -> bool:
        """Still in a pre-litigation stage past the 30-day target (cases/definitions.py)."""
        return is_overdue(state=self.state, submitted_at=self.submitted_at, now=timezone.now())

    @property
    def is_pre_litigation(self) -> bool:
        return self.state in PRE_LITIGATION_STATES

    @property
    def waivable(self) -> Decimal:
        """What a creditor may give up in an agreement or an offer: the interest and the penalty."""
        return self.interest + self.penalty


class CaseParty(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_parties",
        db_index=False,  # party_person_idx leads with it
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_parties",
        db_index=False,  # party_org_idx leads with it
    )
    # A relative acting for the person, under a recorded authorisation.
    agent = models.ForeignKey(
        Person,
        verbose_name=_("acting relative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_for",
        db_index=False,  # party_agent_idx leads with it
    )
    authorisation = models.ForeignKey(
        Authorisation, verbose_name=_("authorisation"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("case party")
        verbose_name_plural = _("case parties")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, organisation__isnull=True)
                    | models.Q(person__isnull=True, organisation__isnull=False)
                ),
                name="party_person_xor_organisation",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "case"], name="party_person_idx"),
            models.Index(fields=["organisation", "case"], name="party_org_idx"),
            models.Index(fields=["agent", "case"], name="party_agent_idx"),
        ]

    def __str__(self) -> str:
        return str(self.person or self.organisation)

    @property
    def name(self) -> str:
        return self.person.name if self.person else (self.organisation.name if self.organisation else "")


class CaseNumber(models.Model):
    """Every number a case was given: 诉前调 at intake, then 民特, 民初 or 执."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="numbers")
    kind = models.CharField(_("kind"), max_length=8, choices=NumberKind.choices)
    court = models.ForeignKey(
        Organisation,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        db_index=False,  # casenumber_unique_seq
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    text = models.CharField(_("number"), max_length=64, unique=True)
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = _("case number")
        verbose_name_plural = _("case numbers")
        constraints = [
            models.UniqueConstraint(fields=["court", "kind", "year", "seq"], name="casenumber_unique_seq"),
        ]

    def __str__(self) -> str:
        return self.text


class CaseSequence(models.Model):
    """The last number issued per court, kind and year. Rows are locked to issue the next."""

    court = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    kind = models.CharField(max_length=8, choices=NumberKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["court", "kind", "year"], name="casesequence_unique")]

    def __str__(self) -> str:
        return f"{self.court_id} {self.kind} {self.year}: {self.last}"


class CaseEvent(models.Model):
    """The case's timeline, as the parties and staff see it."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # caseevent_case_idx leads with it
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("event"), max_length=40)
    from_state = models.CharField(_("from"), max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=CaseState.choices, blank=True)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"

    @property
    def label(self) -> str:
        from .registry import registry
        from .workflow import TRANSITIONS

        if self.kind in TRANSITIONS:
            return str(TRANSITIONS[self.kind].label)
        kind = registry.event_kinds.get(self.kind)
        return str(kind.label) if kind is not None else self.kind

    @property
    def detail(self) -> str:
        """The note in the reader's language: the platform's own notes are kept as messages."""
        from xietong.core.messages import message_render

        return message_render(self.data.get("note_message") if isinstance(self.data, dict) else None, self.note)


class CaseStatusDoc(models.Model):
    """A case's status as a polling bank reads it (`GET /api/v1/cases/{id}/status`): the response body,
    built when the case changes (`cases/status.py`), with the ids its visibility is decided on.

    One row per case, read by its primary key: the status call is this read and the token's."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), primary_key=True, on_delete=models.CASCADE, related_name="status_doc"
    )
    # Who may see the case (`permissions.case_status_visible`): the holding court, the filing station,
    # the mediator, and the parties — {"organisations": [...], "persons": [...], "acting": [[agent,
    # person, authorisation], ...]}. Plain ids: no constraint to check on each rebuild.
    court_id = models.BigIntegerField()
    station_id = models.BigIntegerField(null=True, blank=True)
    mediator_id = models.BigIntegerField(null=True, blank=True)
    parties = models.JSONField(default=dict)
    body = models.TextField()  # JSON, UTF-8: served as it is
    etag = models.CharField(max_length=32)  # of the body
    version = models.PositiveIntegerField(default=1)  # one more each time the body changes
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("case status document")
        verbose_name_plural = _("case status documents")

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"

"""Reads for mediation. The agreements app uses accepted_offer, affordability_for and sessions_for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.accounts.permissions import may
from xietong.cases.definitions import overdue_q
from xietong.cases.models import Case, CaseEvent, CaseParty
from xietong.core.errors import NotAllowed
from xietong.parties.models import Person

from .choices import LOAD_STATES, OfferStatus, SessionStatus
from .models import Affordability, Assignment, ContactLog, MediationSession, MediatorProfile, Offer


def accepted_offer(case: Case) -> Offer | None:
    """The latest accepted offer of the case (the basis of the agreement), or None."""
    return Offer.objects.filter(case_id=case.pk, status=OfferStatus.ACCEPTED).order_by("-answered_at", "-pk").first()


def affordability_for(case: Case) -> Affordability | None:
    """The case's most recently updated affordability worksheet, or None."""
    return (
        Affordability.objects.select_related("case", "person")
        .filter(case_id=case.pk)
        .order_by("-updated_at", "-pk")
        .first()
    )


def sessions_for(case: Case) -> QuerySet[MediationSession]:
    """The case's sessions, earliest first."""
    return MediationSession.objects.filter(case_id=case.pk).order_by("starts_at", "pk")


def offers_for(case: Case) -> QuerySet[Offer]:
    """The case's offers, oldest first (the history as both sides see it)."""
    return Offer.objects.filter(case_id=case.pk).select_related("parent").order_by("created_at", "pk")


def open_offer(case: Case) -> Offer | None:
    return Offer.objects.filter(case_id=case.pk, status=OfferStatus.OPEN).first()


def mediator_loads(user_ids: list[int] | None = None) -> dict[int, int]:
    """Open cases (before an agreement or a failure) per mediator: one query."""
    qs = Case.objects.filter(state__in=LOAD_STATES, mediator__isnull=False)
    if user_ids is not None:
        qs = qs.filter(mediator_id__in=user_ids)
    return {row["mediator_id"]: row["n"] for row in qs.values("mediator_id").annotate(n=Count("pk"))}


def mediator_overdue_counts(user_ids: list[int] | None = None, now: dt.datetime | None = None) -> dict[int, int]:
    """Cases still in mediation (before an agreement or a failure) past the 30-day target, per mediator."""
    qs = Case.objects.filter(overdue_q(now or timezone.now()), state__in=LOAD_STATES, mediator__isnull=False)
    if user_ids is not None:
        qs = qs.filter(mediator_id__in=user_ids)
    return {row["mediator_id"]: row["n"] for row in qs.values("mediator_id").annotate(n=Count("pk"))}


@dataclass(frozen=True)
class PoolRow:
    user: User
    profile: MediatorProfile | None
    load: int
    overdue: int

    @property
    def capacity(self) -> int | None:
        return self.profile.capacity if self.profile else None

    @property
    def is_full(self) -> bool:
        return self.profile is not None and self.load >= self.profile.capacity

    @property
    def is_available(self) -> bool:
        return self.profile is not None and self.profile.is_available and not self.is_full


def mediator_pool(*, actor: Any) -> list[PoolRow]:
    """Every active mediator with profile, load and overdue count (center staff and clerks)."""
    if not may(actor, "mediation.pool"):
        raise NotAllowed(_("The mediator pool is for the center and the court's clerks."), code="role")
    users = list(
        User.objects.filter(role=Role.MEDIATOR, is_active=True)
        .select_related("organisation", "mediator_profile", "mediator_profile__organisation")
        .order_by("full_name", "username")
    )
    ids = [u.pk for u in users]
    loads = mediator_loads(ids)
    overdue = mediator_overdue_counts(ids)
    return [
        PoolRow(
            user=u,
            profile=getattr(u, "mediator_profile", None),
            load=loads.get(u.pk, 0),
            overdue=overdue.get(u.pk, 0),
        )
        for u in users
    ]


def assignments_for(case: Case) -> QuerySet[Assignment]:
    return Assignment.objects.filter(case_id=case.pk).select_related("mediator", "previous").order_by("at", "pk")


def contacts_for(case: Case) -> QuerySet[ContactLog]:
    return (
        ContactLog.objects.filter(case_id=case.pk)
        .select_related("mediator", "party__person", "party__organisation")
        .order_by("-at", "-pk")
    )


@dataclass(frozen=True)
class WorkRow:
    case: Case
    next_step: str
    next_step_on: dt.date | None
    next_session: MediationSession | None
    # What moved the case on since the last contact (a later session, offer, agreement or change of
    # state): the contact's next step is then out of date and is not shown.
    moved_on: CaseEvent | None = None


@dataclass(frozen=True)
class MediationWorklist:
    rows: list[WorkRow]
    page: Page[Case]
    total: int  # the mediator's cases in mediation
    overdue: int  # of which past the 30-day target (cases.definitions.overdue_q)


WORKLIST_PAGE = 50
# Timeline events that move a case on: a session, an offer or an answer, a step of the agreement.
# Every change of state moves it on too (an event with a target state).
MOVES_ON = frozenset(
    {"mediation_session", "offer_made", "offer_answered", "agreement_drafted", "agreement_sent", "agreement_signed"}
)


def my_mediation_queryset(*, actor: Any, overdue_only: bool = False, now: dt.datetime | None = None) -> QuerySet[Case]:
    """A mediator's cases still in mediation (before an agreement or a failure), oldest first."""
    qs = Case.objects.restrict(actor).filter(mediator_id=actor.pk, state__in=LOAD_STATES)
    if overdue_only:
        qs = qs.filter(overdue_q(now or timezone.now()))
    return qs.select_related("institution", "category").order_by("submitted_at", "pk")


def my_mediation_cases(
    *, actor: Any, overdue_only: bool = False, page: int | str | None = 1, now: dt.datetime | None = None
) -> MediationWorklist:
    """One page (of 50) of a mediator's cases in mediation, each with the next step from the last
    contact (unless the case moved on since) and the next session; with the counts of all of them."""
    now = now or timezone.now()
    base = my_mediation_queryset(actor=actor, now=now)
    counts = base.aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
    qs = my_mediation_queryset(actor=actor, overdue_only=True, now=now) if overdue_only else base
    one_page = Paginator(qs, WORKLIST_PAGE).get_page(page)
    return MediationWorklist(
        rows=work_rows(list(one_page.object_list), now=now),
        page=one_page,
        total=counts["total"],
        overdue=counts["overdue"],
    )


def work_rows(cases: list[Case], *, now: dt.datetime) -> list[WorkRow]:
    ids = [c.pk for c in cases]
    last_contact: dict[int, ContactLog] = {}
    for entry in ContactLog.objects.filter(case_id__in=ids).order_by("case_id", "-at", "-pk"):
        last_contact.setdefault(entry.case_id, entry)
    moved_on: dict[int, CaseEvent] = {}
    if last_contact:
        since = min(c.at for c in last_contact.values())
        later = (
            CaseEvent.objects.filter(case_id__in=list(last_contact), at__gt=since)
            .filter(Q(kind__in=MOVES_ON) | ~Q(to_state=""))
            .only("case_id", "at", "kind")
            .order_by("case_id", "-at", "-pk")
        )
        for event in later:
            if event.at > last_contact[event.case_id].at:
                moved_on.setdefault(event.case_id, event)
    next_session: dict[int, MediationSession] = {}
    upcoming = MediationSession.objects.filter(
        case_id__in=ids, status=SessionStatus.SCHEDULED, starts_at__gte=now - dt.timedelta(hours=2)
    ).order_by("case_id", "starts_at", "pk")
    for s in upcoming:
        next_session.setdefault(s.case_id, s)
    rows = []
    for c in cases:
        contact = last_contact.get(c.pk)
        stale = c.pk in moved_on
        rows.append(
            WorkRow(
                case=c,
                next_step=contact.next_step if contact and not stale else "",
                next_step_on=contact.next_step_on if contact and not stale else None,
                next_session=next_session.get(c.pk),
                moved_on=moved_on.get(c.pk),
            )
        )
    return rows


# Time zones ----------------------------------------------------------------------------------------


def viewer_timezone(user: Any) -> str:
    """The zone a viewer's times are shown in: a party's own (their person's), else the account's."""
    from xietong.cases.permissions import actor_person_id

    if may(user, "mediation.own_timezone"):
        pid = actor_person_id(user)
        if pid is not None:
            tz = Person.objects.filter(pk=pid).values_list("timezone", flat=True).first()
            if tz:
                return tz
    return getattr(user, "timezone", "") or settings.TIME_ZONE


@dataclass(frozen=True)
class Participant:
    name: str
    role: str
    timezone: str


def session_participants(case: Case) -> list[Participant]:
    """Who takes part in the case's sessions, each with their own time zone."""
    people: list[Participant] = []
    seen: set[tuple[str, int]] = set()
    parties = CaseParty.objects.filter(case_id=case.pk).select_related("person", "organisation", "agent")
    for cp in parties:
        if cp.person is not None and ("p", cp.person.pk) not in seen:
            seen.add(("p", cp.person.pk))
            people.append(Participant(cp.person.name, str(cp.get_role_display()), cp.person.timezone))
        if cp.agent is not None and ("p", cp.agent.pk) not in seen:
            seen.add(("p", cp.agent.pk))
            people.append(Participant(cp.agent.name, str(_("acting relative")), cp.agent.timezone))
        if cp.organisation is not None and ("o", cp.organisation.pk) not in seen:
            seen.add(("o", cp.organisation.pk))
            people.append(Participant(cp.organisation.display_name, str(cp.get_role_display()), settings.TIME_ZONE))
    if case.mediator_id is not None:
        mediator = User.objects.filter(pk=case.mediator_id).first()
        if mediator is not None:
            people.append(Participant(str(mediator), str(_("mediator")), mediator.timezone))
    return people


def session_times(session: MediationSession, participants: list[Participant]) -> list[tuple[Participant, dt.datetime]]:
    return [(p, session.local_time(p.timezone)) for p in participants]

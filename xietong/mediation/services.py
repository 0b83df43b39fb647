"""Writes for mediation. Each service checks who acts and the case's state, locks the case row,
writes the timeline (where the parties should see it) and the audit trail in the same transaction,
and changes nothing when it refuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import actor_ref, audit_record
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseParty
from xietong.cases.permissions import case_require
from xietong.cases.services import case_assign_mediator, case_event_record, case_lock, waiver_check
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.core.messages import Message, message
from xietong.core.money import money_parse
from xietong.parties.models import Person

from .choices import (
    PRODUCT_SPECIALTY,
    RURAL_COLOURS,
    ContactChannel,
    ContactOutcome,
    Language,
    OfferAnswer,
    OfferSide,
    OfferStatus,
    SessionMode,
    SessionStatus,
    Specialty,
)
from .models import Affordability, Assignment, ContactLog, MediationSession, MediatorProfile, Offer
from .selectors import mediator_loads

WORK_STATES = frozenset({CaseState.TRIAGED, CaseState.MEDIATING})  # contacts, sessions, worksheet
OFFER_STATES = frozenset({CaseState.MEDIATING})
MAX_OFFER_INSTALMENTS = 60
MAX_SESSION_MINUTES = 8 * 60


# Shared checks -------------------------------------------------------------------------------


def _check_visible(actor: Any, case: Case) -> None:
    """Every write of mediation: the case is visible to the actor and has not ended."""
    case_require(actor=actor, case=case, action="change")


def _check_case_mediator(actor: Any, case: Case) -> None:
    """Only the mediator assigned to the case works it."""
    _check_visible(actor, case)
    if not may(actor, "mediation.work", case):
        raise NotAllowed(_("Only the mediator assigned to this case may do this."), code="not_case_mediator")


def _check_state(case: Case, states: frozenset[CaseState], what: str) -> None:
    if case.state not in states:
        raise DomainError(
            _("%(what)s is not possible while the case is %(state)s.")
            % {"what": what, "state": CaseState(case.state).label},
            code="illegal_state",
        )


def _label(actor: Any) -> str:
    return actor_ref(actor).label


def case_specialties(case: Case) -> list[str]:
    """The specialties that fit a case: its product's, and rural loans for green and yellow categories."""
    wanted = [str(PRODUCT_SPECIALTY.get(case.product, Specialty.GENERAL))]
    category = case.category if case.category_id else None
    if category is not None and category.colour in RURAL_COLOURS:
        wanted.append(str(Specialty.RURAL_LOAN))
    return wanted


# Mediator pool --------------------------------------------------------------------------------


@transaction.atomic
def mediator_profile_save(
    *,
    actor: Any,
    user: User,
    organisation: Organisation | None = None,
    specialties: list[str],
    languages: list[str],
    capacity: int,
    is_available: bool = True,
) -> MediatorProfile:
    """Create or change a mediator's profile. The center administrator keeps the pool."""
    if not may(actor, "mediation.profiles"):
        raise NotAllowed(_("Only the center administrator keeps the mediator pool."), code="role")
    if not may(user, "mediation.in_pool"):
        raise DomainError(_("A profile is for a mediator."), code="not_a_mediator")
    if organisation is not None and organisation.kind not in (OrganisationKind.MEDIATION_ORG, OrganisationKind.COURT):
        raise DomainError(_("Choose a mediation organisation."), code="not_a_mediation_org")
    specialties = list(dict.fromkeys(specialties))
    languages = list(dict.fromkeys(languages))
    if any(s not in Specialty.values for s in specialties):
        raise DomainError(_("Unknown specialty."), code="specialty")
    if any(code not in Language.values for code in languages):
        raise DomainError(_("Unknown language."), code="language")
    if not 0 <= capacity <= 500:
        raise DomainError(_("Capacity is a number of open cases between 0 and 500."), code="capacity")
    profile = MediatorProfile.objects.select_for_update().filter(user=user).first()
    before = _profile_snapshot(profile) if profile else None
    if profile is None:
        profile = MediatorProfile(user=user)
    profile.organisation = organisation if organisation is not None else user.organisation
    profile.specialties = specialties
    profile.languages = languages
    profile.capacity = capacity
    profile.is_available = is_available
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor, action=AuditAction.MEDIATOR_PROFILE, obj=profile, before=before, after=_profile_snapshot(profile)
    )
    return profile


def _profile_snapshot(p: MediatorProfile) -> dict[str, Any]:
    return {
        "user_id": p.user_id,
        "organisation_id": p.organisation_id,
        "specialties": list(p.specialties),
        "languages": list(p.languages),
        "capacity": p.capacity,
        "is_available": p.is_available,
    }


@dataclass(frozen=True)
class Pick:
    mediator: User
    reason: Message  # shown in the reader's language


def mediation_pick(case: Case) -> Pick:
    """The mediator automatic assignment would choose, and why; raises when nobody fits.

    Among available active mediators with a matching specialty and free capacity, the least loaded
    (open cases / capacity) wins; ties go to the fewest open cases, then to the name.
    """
    wanted = case_specialties(case)
    profiles = [
        p
        for p in MediatorProfile.objects.select_related("user").filter(
            is_available=True, user__is_active=True, user__role=Role.MEDIATOR
        )
        if any(s in p.specialties for s in wanted)
    ]
    spec_label = ", ".join(str(Specialty(s).label) for s in wanted)
    if not profiles:
        raise DomainError(
            _("No available mediator has the specialty %(specialty)s.") % {"specialty": spec_label},
            code="no_matching_mediator",
        )
    loads = mediator_loads([p.user_id for p in profiles])
    free = [p for p in profiles if loads.get(p.user_id, 0) < p.capacity]
    if not free:
        raise DomainError(
            _("Every mediator with the specialty %(specialty)s is at capacity.") % {"specialty": spec_label},
            code="no_capacity",
        )
    free.sort(
        key=lambda p: (
            Fraction(loads.get(p.user_id, 0), p.capacity),
            loads.get(p.user_id, 0),
            str(p.user),
            p.user_id,
        )
    )
    best = free[0]
    matched = next(s for s in wanted if s in best.specialties)
    reason = message(
        gettext_noop("auto: specialty %(specialty)s, load %(load)s/%(capacity)s, least loaded of %(n)s matching"),
        specialty=Specialty(matched).label,
        load=loads.get(best.user_id, 0),
        capacity=best.capacity,
        n=len(profiles),
    )
    return Pick(mediator=best.user, reason=reason)


@transaction.atomic
def mediation_assign(*, actor: Any, case: Case | int, mediator: User | None = None) -> Assignment:
    """Assign (or reassign) the case's mediator, by hand or automatically (mediator=None).

    Automatic assignment is for a case without a mediator; reassigning is done by hand. Every
    assignment is kept in the history with who did it and why.
    """
    if not may(actor, "mediation.assign"):
        raise NotAllowed(_("Only center staff and clerks assign mediators."), code="role")
    locked = case_lock(case)
    _check_visible(actor, locked)
    previous_id = locked.mediator_id
    if mediator is None:
        if previous_id is not None:
            raise DomainError(
                _("The case already has a mediator; choose another mediator by hand to reassign it."),
                code="has_mediator",
            )
        if locked.state not in (CaseState.SUBMITTED, CaseState.TRIAGED, CaseState.MEDIATING):
            raise DomainError(
                _("A mediator can only be assigned before or during mediation."), code="illegal_assignment"
            )
        pick = mediation_pick(locked)
        chosen, reason, auto = pick.mediator, pick.reason, True
    else:
        if previous_id == mediator.pk:
            raise DomainError(_("%(name)s already mediates this case.") % {"name": mediator}, code="same_mediator")
        profile = MediatorProfile.objects.filter(user=mediator).first()
        load = mediator_loads([mediator.pk]).get(mediator.pk, 0)
        if profile is None:
            reason = message(gettext_noop("by hand: load %(load)s (no profile)"), load=load)
        elif load >= profile.capacity:
            reason = message(
                gettext_noop("by hand: load %(load)s/%(capacity)s · at capacity"), load=load, capacity=profile.capacity
            )
        else:
            reason = message(gettext_noop("by hand: load %(load)s/%(capacity)s"), load=load, capacity=profile.capacity)
        chosen, auto = mediator, False
    case_assign_mediator(case=locked, actor=actor, mediator=chosen)
    assignment = Assignment.objects.create(
        case=locked,
        mediator=chosen,
        previous_id=previous_id,
        assigned_by=_label(actor),
        auto=auto,
        reason=str(reason)[:300],
        reason_message=reason.to_json(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.MEDIATION_ASSIGN,
        obj=locked,
        before={"mediator_id": previous_id},
        after={"mediator_id": chosen.pk, "auto": auto, "reason": reason.to_json(), "assignment_id": assignment.pk},
    )
    return assignment


@dataclass(frozen=True)
class AutoResult:
    case: Case
    assignment: Assignment | None
    error: str = ""


def mediation_auto_assign(*, actor: Any, cases: list[Case]) -> list[AutoResult]:
    """Assign each case without a mediator automatically, one after the other (loads count as they grow).

    Each case is its own transaction: a case nobody fits is reported and the others go ahead.
    """
    if not may(actor, "mediation.assign"):
        raise NotAllowed(_("Only center staff and clerks assign mediators."), code="role")
    results = []
    for case in cases:
        try:
            assignment = mediation_assign(actor=actor, case=case)
        except DomainError as exc:
            results.append(AutoResult(case=case, assignment=None, error=str(exc.message)))
        else:
            results.append(AutoResult(case=case, assignment=assignment))
    return results


# Contacts and sessions --------------------------------------------------------------------------


def _case_party(case: Case, party: CaseParty | int | None) -> CaseParty | None:
    if party is None:
        return None
    pk = party.pk if isinstance(party, CaseParty) else party
    found = CaseParty.objects.filter(case_id=case.pk, pk=pk).first()
    if found is None:
        raise DomainError(_("Choose a party of this case."), code="not_a_party")
    return found


@transaction.atomic
def contact_log(
    *,
    actor: Any,
    case: Case | int,
    channel: str,
    outcome: str,
    party: CaseParty | int | None = None,
    note: str = "",
    next_step: str = "",
    next_step_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> ContactLog:
    """The case's mediator records a contact with a party (internal: parties do not see the log)."""
    locked = case_lock(case)
    _check_case_mediator(actor, locked)
    _check_state(locked, WORK_STATES, _("Logging a contact"))
    if channel not in ContactChannel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    if outcome not in ContactOutcome.values:
        raise DomainError(_("Unknown outcome."), code="outcome")
    if at is not None and timezone.is_naive(at):
        raise DomainError(_("A time needs its time zone."), code="naive_time")
    if next_step_on is not None and not next_step.strip():
        raise DomainError(_("Say what the next step is."), code="next_step")
    entry = ContactLog.objects.create(
        case=locked,
        mediator=actor,
        channel=channel,
        party=_case_party(locked, party),
        outcome=outcome,
        note=note.strip(),
        next_step=next_step.strip(),
        next_step_on=next_step_on,
        at=at or timezone.now(),
    )
    # On the timeline: that a contact was made, how, and its outcome; the note and next step stay internal.
    case_event_record(
        locked,
        actor=actor,
        kind="contact_logged",
        data={"contact_id": entry.pk, "channel": channel, "outcome": outcome},
    )
    audit_record(
        actor=actor,
        action=AuditAction.MEDIATION_CONTACT,
        obj=locked,
        after={
            "contact_id": entry.pk,
            "channel": channel,
            "outcome": outcome,
            "party_id": entry.party_id,
            "next_step_on": next_step_on,
        },
    )
    return entry


def _check_link(link: str) -> str:
    link = link.strip()
    parts = urlsplit(link)
    if parts.scheme != "https" or not parts.netloc:
        raise DomainError(_("An online session needs a meeting link starting with https://."), code="meeting_link")
    return link


@transaction.atomic
def session_schedule(
    *,
    actor: Any,
    case: Case | int,
    starts_at: dt.datetime,
    mode: str,
    duration_minutes: int = 60,
    meeting_link: str = "",
    place: str = "",
    note: str = "",
) -> MediationSession:
    """The case's mediator schedules a session: online with an https link, or in person at a place."""
    locked = case_lock(case)
    _check_case_mediator(actor, locked)
    _check_state(locked, WORK_STATES, _("Scheduling a session"))
    if timezone.is_naive(starts_at):
        raise DomainError(_("A time needs its time zone."), code="naive_time")
    if mode not in SessionMode.values:
        raise DomainError(_("Unknown session mode."), code="mode")
    if not 15 <= duration_minutes <= MAX_SESSION_MINUTES:
        raise DomainError(_("A session lasts between 15 minutes and 8 hours."), code="duration")
    if mode == SessionMode.ONLINE:
        meeting_link, place = _check_link(meeting_link), place.strip()
    else:
        place = place.strip()
        if not place:
            raise DomainError(_("An in-person session needs a place."), code="place")
        meeting_link = ""
    # A double click schedules nothing twice.
    same = MediationSession.objects.filter(
        case=locked, starts_at=starts_at, mode=mode, status=SessionStatus.SCHEDULED
    ).first()
    if same is not None:
        return same
    session = MediationSession.objects.create(
        case=locked,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        meeting_link=meeting_link,
        place=place,
        note=note.strip(),
        created_by=_label(actor),
    )
    case_event_record(
        locked,
        actor=actor,
        kind="mediation_session",
        data={"session_id": session.pk, "starts_at": starts_at.isoformat(), "mode": mode},
    )
    audit_record(
        actor=actor,
        action=AuditAction.MEDIATION_SESSION,
        obj=locked,
        after={"session_id": session.pk, "starts_at": starts_at, "mode": mode, "status": session.status},
    )
    return session


@transaction.atomic
def session_set_status(*, actor: Any, session: MediationSession | int, status: str, note: str = "") -> MediationSession:
    """Mark a scheduled session held or cancelled (once; the same answer again changes nothing)."""
    pk = session.pk if isinstance(session, MediationSession) else session
    found = MediationSession.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such session."))
    locked = case_lock(found.case_id)
    _check_case_mediator(actor, locked)
    s = MediationSession.objects.select_for_update().get(pk=pk)
    if status not in (SessionStatus.HELD, SessionStatus.CANCELLED):
        raise DomainError(_("A session is marked held or cancelled."), code="status")
    if s.status == status:
        return s
    if s.status != SessionStatus.SCHEDULED:
        raise Conflict(_("This session is already %(status)s.") % {"status": s.get_status_display()})
    before = s.status
    s.status = status
    if note.strip():
        s.note = (s.note + "\n" + note.strip()).strip()
    s.save(update_fields=["status", "note"])
    case_event_record(
        locked,
        actor=actor,
        kind="mediation_session_held" if status == SessionStatus.HELD else "mediation_session_cancelled",
        data={"session_id": s.pk, "starts_at": s.starts_at.isoformat()},
    )
    audit_record(
        actor=actor,
        action=AuditAction.MEDIATION_SESSION,
        obj=locked,
        before={"session_id": s.pk, "status": before},
        after={"session_id": s.pk, "status": status},
    )
    return s


# Offers ----------------------------------------------------------------------------------------


def actor_offer_side(actor: Any, case: Case) -> str | None:
    """The side an actor speaks for on this case: a party for the debtor, the institution's operator
    (or its API client) for the institution. The case's mediator speaks for either (returns "")."""
    if may(actor, "mediation.work", case):
        return ""
    if may(actor, "mediation.for_debtor", case):
        return OfferSide.DEBTOR
    if may(actor, "mediation.for_institution", case):
        return OfferSide.INSTITUTION
    return None


@dataclass(frozen=True)
class OfferTerms:
    total: Decimal | str
    instalments: int
    first_payment_on: dt.date
    waived: Decimal | str = Decimal("0")
    note: str = ""


def _check_terms(case: Case, terms: OfferTerms) -> tuple[Decimal, Decimal]:
    total = money_parse(terms.total, _("Total to repay"))
    waived = money_parse(terms.waived, _("Amount waived"))
    if total <= 0:
        raise DomainError(_("An offer repays more than nothing."), code="offer_total")
    if total > case.total:
        raise DomainError(
            _("An offer cannot ask for more than the debt (%(total)s yuan).") % {"total": case.total},
            code="offer_over_debt",
        )
    if waived > case.waivable:
        waiver_check(case=case, waived=waived, code="offer_waiver")
    if not 1 <= terms.instalments <= MAX_OFFER_INSTALMENTS:
        raise DomainError(
            _("An offer has between 1 and %(n)s monthly instalments.") % {"n": MAX_OFFER_INSTALMENTS},
            code="offer_instalments",
        )
    if terms.first_payment_on < timezone.localdate():
        raise DomainError(_("The first payment cannot be in the past."), code="offer_first_payment")
    return total, waived


def _offer_side(actor: Any, case: Case, side: str | None) -> str:
    own = actor_offer_side(actor, case)
    if own is None:
        raise NotAllowed(_("Only the parties and the case's mediator make offers."), code="offer_role")
    if own == "":
        if side not in OfferSide.values:
            raise DomainError(_("Say for which side the offer is made."), code="offer_side")
        return str(side)
    if side and side != own:
        raise NotAllowed(_("You make offers for your own side only."), code="offer_side")
    return own


def _offer_snapshot(o: Offer) -> dict[str, Any]:
    return {
        "offer_id": o.pk,
        "side": o.side,
        "total": o.total,
        "instalments": o.instalments,
        "first_payment_on": o.first_payment_on,
        "waived": o.waived,
        "status": o.status,
        "parent_id": o.parent_id,
    }


def _offer_create(*, actor: Any, case: Case, side: str, terms: OfferTerms, parent: Offer | None) -> Offer:
    total, waived = _check_terms(case, terms)
    now = timezone.now()
    current = Offer.objects.select_for_update().filter(case=case, status=OfferStatus.OPEN).first()
    if current is not None:
        if (
            parent is None
            and current.side == side
            and current.total == total
            and current.waived == waived
            and current.instalments == terms.instalments
            and current.first_payment_on == terms.first_payment_on
        ):
            return current  # the same offer again (a double click): nothing new
        # The other side's open offer is countered by this one; one's own is replaced (withdrawn).
        before = current.status
        if current.side != side:
            current.status = OfferStatus.COUNTERED
            parent = parent or current
        else:
            current.status = OfferStatus.WITHDRAWN
        current.answered_at = now
        current.answered_by = _label(actor)
        current.save(update_fields=["status", "answered_at", "answered_by"])
        audit_record(
            actor=actor,
            action=AuditAction.MEDIATION_OFFER_ANSWER,
            obj=case,
            before={"offer_id": current.pk, "status": before},
            after={"offer_id": current.pk, "status": current.status},
        )
    offer = Offer.objects.create(
        case=case,
        side=side,
        made_by=_label(actor),
        made_by_user=actor if isinstance(actor, User) else None,
        total=total,
        instalments=terms.instalments,
        first_payment_on=terms.first_payment_on,
        waived=waived,
        note=terms.note.strip(),
        parent=parent,
        created_at=now,
    )
    case_event_record(
        case,
        actor=actor,
        kind="offer_made",
        data={"offer_id": offer.pk, "side": side, "total": str(total), "instalments": terms.instalments},
    )
    audit_record(actor=actor, action=AuditAction.MEDIATION_OFFER, obj=case, after=_offer_snapshot(offer))
    return offer


@transaction.atomic
def offer_make(*, actor: Any, case: Case | int, terms: OfferTerms, side: str | None = None) -> Offer:
    """Make an offer: a party for the debtor, the institution for itself, the mediator for either side
    (as told by phone). The open offer of the other side is countered; one's own is replaced."""
    locked = case_lock(case)
    _check_visible(actor, locked)
    chosen = _offer_side(actor, locked, side)
    _check_state(locked, OFFER_STATES, _("Making an offer"))
    return _offer_create(actor=actor, case=locked, side=chosen, terms=terms, parent=None)


@transaction.atomic
def offer_answer(*, actor: Any, offer: Offer | int, answer: str, counter: OfferTerms | None = None) -> Offer:
    """Accept, reject or counter an open offer; only the other side (or the mediator for it) answers.

    Accepting or rejecting twice gives the same result and writes nothing the second time. A counter
    returns the new offer; otherwise the answered offer is returned.
    """
    pk = offer.pk if isinstance(offer, Offer) else offer
    case_id = Offer.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(_("No such offer."))
    locked = case_lock(case_id)
    _check_visible(actor, locked)
    o = Offer.objects.select_for_update().get(pk=pk)
    own = actor_offer_side(actor, locked)
    if own is None:
        raise NotAllowed(_("Only the parties and the case's mediator answer offers."), code="offer_role")
    answering = own or o.other_side
    if answering == o.side:
        raise NotAllowed(_("Only the other side may answer this offer."), code="own_offer")
    if answer not in OfferAnswer.values:
        raise DomainError(_("Answer accept, reject or counter."), code="answer")
    if answer == OfferAnswer.ACCEPT and o.status == OfferStatus.ACCEPTED:
        return o
    if answer == OfferAnswer.REJECT and o.status == OfferStatus.REJECTED:
        return o
    _check_state(locked, OFFER_STATES, _("Answering an offer"))
    if o.status != OfferStatus.OPEN:
        raise Conflict(
            _("This offer is no longer open (it is %(status)s).") % {"status": o.get_status_display()},
            code="offer_closed",
        )
    if answer == OfferAnswer.COUNTER:
        if counter is None:
            raise DomainError(_("A counter-offer needs its terms."), code="counter_terms")
        return _offer_create(actor=actor, case=locked, side=answering, terms=counter, parent=o)
    before = o.status
    o.status = OfferStatus.ACCEPTED if answer == OfferAnswer.ACCEPT else OfferStatus.REJECTED
    o.answered_at = timezone.now()
    o.answered_by = _label(actor)
    o.save(update_fields=["status", "answered_at", "answered_by"])
    case_event_record(
        locked, actor=actor, kind="offer_answered", data={"offer_id": o.pk, "answer": answer, "side": o.side}
    )
    audit_record(
        actor=actor,
        action=AuditAction.MEDIATION_OFFER_ANSWER,
        obj=locked,
        before={"offer_id": o.pk, "status": before},
        after={"offer_id": o.pk, "status": o.status, "answer": answer},
    )
    return o


# Affordability -----------------------------------------------------------------------------------


@transaction.atomic
def affordability_save(
    *,
    actor: Any,
    case: Case | int,
    person: Person,
    monthly_income: Decimal | str,
    monthly_expenses: Decimal | str,
    other_debts: Decimal | str = Decimal("0"),
    dependants: int = 0,
    note: str = "",
) -> Affordability:
    """The case's mediator fills in (or updates) a debtor's affordability worksheet."""
    locked = case_lock(case)
    _check_case_mediator(actor, locked)
    _check_state(locked, WORK_STATES, _("The affordability worksheet"))
    if not CaseParty.objects.filter(case=locked, person=person).exists():
        raise DomainError(_("The worksheet is for a debtor who is a party of this case."), code="not_a_party")
    if not 0 <= dependants <= 30:
        raise DomainError(_("Give the number of dependants."), code="dependants")
    values = {
        "monthly_income": money_parse(monthly_income, _("Monthly income")),
        "monthly_expenses": money_parse(monthly_expenses, _("Monthly expenses")),
        "other_debts": money_parse(other_debts, _("Other debts' monthly payments")),
        "dependants": dependants,
        "note": note.strip(),
        "updated_by": _label(actor),
        "updated_at": timezone.now(),
    }
    sheet = Affordability.objects.select_for_update().filter(case=locked, person=person).first()
    before = None
    if sheet is None:
        sheet = Affordability(case=locked, person=person)
    else:
        before = _sheet_snapshot(sheet)
    for k, v in values.items():
        setattr(sheet, k, v)
    sheet.save()
    audit_record(
        actor=actor, action=AuditAction.MEDIATION_AFFORDABILITY, obj=locked, before=before, after=_sheet_snapshot(sheet)
    )
    return sheet


def _sheet_snapshot(s: Affordability) -> dict[str, Any]:
    return {
        "person_id": s.person_id,
        "monthly_income": s.monthly_income,
        "monthly_expenses": s.monthly_expenses,
        "other_debts": s.other_debts,
        "dependants": s.dependants,
        "suggested_monthly": s.suggested_monthly,
        "suggested_months": s.suggested_months,
    }


# Time zones ---------------------------------------------------------------------------------------


@transaction.atomic
def person_set_timezone(*, actor: Any, case: Case | int, person: Person, tz: str) -> Person:
    """Set the time zone a party's session times are shown in: the case's mediator for any person of
    the case (a party or an acting relative), a party user for their own person."""
    from xietong.cases.permissions import actor_person_id
    from xietong.core.validators import validate_timezone

    locked = case_lock(case)
    _check_visible(actor, locked)
    in_case = CaseParty.objects.filter(case=locked).filter(Q(person=person) | Q(agent=person)).exists()
    if not in_case:
        raise DomainError(_("Choose a person of this case."), code="not_a_party")
    if may(actor, "mediation.own_timezone"):
        if actor_person_id(actor) != person.pk:
            raise NotAllowed(_("You set your own time zone only."), code="not_own")
    elif not may(actor, "mediation.work", locked):
        raise NotAllowed(_("Only the case's mediator and the person themself set a time zone."), code="role")
    tz = tz.strip()
    try:
        validate_timezone(tz)
    except ValidationError:
        raise DomainError(_("Unknown time zone: %(tz)s.") % {"tz": tz}, code="timezone") from None
    locked_person = Person.objects.select_for_update().get(pk=person.pk)
    if locked_person.timezone == tz:
        return locked_person
    before = locked_person.timezone
    locked_person.timezone = tz
    locked_person.save(update_fields=["timezone"])
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_UPDATE,
        obj=locked_person,
        before={"timezone": before},
        after={"timezone": tz},
    )
    return locked_person

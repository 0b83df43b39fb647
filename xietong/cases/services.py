"""Writes for cases. Every write locks what it changes, records the timeline and the audit trail
in the same transaction, and leaves side effects (messages, webhooks) to run on commit."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation, User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import actor_ref, audit_record
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.messages import Message
from xietong.core.money import money_parse
from xietong.parties.models import Authorisation, Person

from .choices import CaseState, Door, NumberKind, PartyRole, Product, Wish
from .definitions import CLOSED_STATES
from .models import Case, CaseEvent, CaseParty, Category, Team
from .numbers import case_number_assign
from .registry import registry
from .status import case_status_refresh
from .workflow import TRANSITIONS, Transition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonParty:
    person: Person
    role: PartyRole
    agent: Person | None = None
    authorisation: Authorisation | None = None


def waiver_check(*, case: Case, waived: Decimal, code: str = "waived_too_much") -> Decimal:
    """The one rule of what a creditor may give up: interest and penalty, never principal, and something
    must be left to repay. Returns the amount agreed (the case's total less the waiver)."""
    if waived > case.waivable:
        raise DomainError(
            _("At most the interest and penalty (%(max)s yuan) can be waived; the principal is repaid.")
            % {"max": case.waivable},
            code=code,
        )
    agreed = case.total - waived
    if agreed <= 0:
        raise DomainError(_("Nothing would be left to repay."), code="nothing_to_repay")
    return agreed


def case_snapshot(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "state": case.state,
        "court_id": case.court_id,
        "institution_id": case.institution_id,
        "product": case.product,
        "category_id": case.category_id,
        "channel": case.channel,
        "track": case.track,
        "team_id": case.team_id,
        "mediator_id": case.mediator_id,
        "judge_id": case.judge_id,
        "principal": case.principal,
        "interest": case.interest,
        "penalty": case.penalty,
        "total": case.total,
    }


def event_kind_known(kind: str) -> bool:
    return kind in TRANSITIONS or kind in registry.event_kinds


def case_event_record(
    case: Case,
    *,
    actor: Any,
    kind: str,
    note: str | Message = "",
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Write one timeline entry (now, or at the time it happened). Its kind is a transition or an
    event kind some app registered. A note the platform writes is a `Message`: kept as its message
    and parameters (data["note_message"]), shown in the reader's language (`CaseEvent.detail`); a
    person's own words are a plain string."""
    if not event_kind_known(kind):
        raise ValueError(f"Unknown case event kind {kind!r}: register it with cases.registry.event_kinds_register.")
    data = dict(data or {})
    if isinstance(note, Message):
        data["note_message"] = note.to_json()
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at or timezone.now(),
        actor_label=actor_ref(actor).label if actor is not None else "system",
        note=str(note),
        from_state=from_state,
        to_state=to_state,
        data=data,
    )
    case_status_refresh(case.pk)  # the status document follows every event, in the same transaction
    return event


@transaction.atomic
def case_create(
    *,
    actor: Any,
    court: Organisation,
    product: str,
    door: str,
    persons: list[PersonParty],
    institution: Organisation | None = None,
    institution_role: PartyRole = PartyRole.APPLICANT,
    principal: Decimal | str = Decimal("0"),
    interest: Decimal | str = Decimal("0"),
    penalty: Decimal | str = Decimal("0"),
    category: Category | None = None,
    facts: str = "",
    claims: str = "",
    wishes: list[str] | None = None,
    station: Organisation | None = None,
    submitted_at: dt.datetime | None = None,
) -> Case:
    """Open a dispute for pre-litigation mediation and give it its 诉前调 number."""
    if court.kind != OrganisationKind.COURT:
        raise DomainError(_("Cases are held by a court."), code="not_a_court")
    if institution is not None and institution.kind != OrganisationKind.INSTITUTION:
        raise DomainError(_("The institution must be a registered financial institution."), code="not_an_institution")
    if station is not None and station.kind != OrganisationKind.STATION:
        raise DomainError(_("The filing station must be a rural service station."), code="not_a_station")
    if product not in Product.values:
        raise DomainError(_("Unknown product."), code="product")
    if door not in Door.values:
        raise DomainError(_("Unknown intake door."), code="door")
    if not persons:
        raise DomainError(_("A case needs at least one person as a party."), code="no_party")
    for pp in persons:
        _check_representation(pp)
    p = money_parse(principal, _("Principal"))
    i = money_parse(interest, _("Interest"))
    pen = money_parse(penalty, _("Penalty"))
    wishes = list(dict.fromkeys(wishes or []))
    if any(w not in Wish.values for w in wishes):
        raise DomainError(_("Unknown wish."), code="wish")
    case = Case.objects.create(
        court=court,
        institution=institution,
        product=product,
        category=category,
        door=door,
        station=station,
        principal=p,
        interest=i,
        penalty=pen,
        total=p + i + pen,
        facts=facts,
        claims=claims,
        wishes=wishes,
        submitted_at=submitted_at or timezone.now(),
        created_by=actor if isinstance(actor, User) else None,
    )
    parties = [
        CaseParty(case=case, role=pp.role, person=pp.person, agent=pp.agent, authorisation=pp.authorisation)
        for pp in persons
    ]
    if institution is not None:
        parties.append(CaseParty(case=case, role=institution_role, organisation=institution))
    CaseParty.objects.bulk_create(parties)
    number = case_number_assign(case=case, kind=NumberKind.PRE_MEDIATION)
    case_event_record(
        case, actor=actor, kind="created", to_state=case.state, data={"number": number.text, "door": door}
    )
    audit_record(actor=actor, action=AuditAction.CASE_CREATE, obj=case, after=case_snapshot(case))
    return case


def _check_representation(pp: PersonParty) -> None:
    """A relative acts for a party only under that party's authorisation to that relative, in force."""
    if pp.agent is None and pp.authorisation is None:
        return
    from xietong.parties.selectors import authorisations_active

    auth = pp.authorisation
    if (
        pp.agent is None
        or auth is None
        or auth.principal_id != pp.person.pk
        or auth.agent_id != pp.agent.pk
        or not authorisations_active().filter(pk=auth.pk).exists()
    ):
        raise DomainError(
            _("%(agent)s may act for %(person)s only with an authorisation from them that is in force.")
            % {"agent": pp.agent.name if pp.agent else "—", "person": pp.person.name},
            code="no_authorisation",
        )


def case_lock(case: Case | int, *, related: tuple[str, ...] = ()) -> Case:
    """The case's row, locked until the transaction ends (SELECT ... FOR UPDATE; SQLite's write lock).

    `related` are joined in the same query; only the case's own row is locked."""
    pk = case.pk if isinstance(case, Case) else case
    qs = Case.objects.select_for_update(of=("self",)).select_related(*related) if related else Case.objects
    if not related:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)
    except Case.DoesNotExist:
        raise NotFound(_("No such case.")) from None


def check_transition(
    *, case: Case, transition: Transition, actor: Any, note: str = "", visible: bool | None = None
) -> None:
    """Raise a DomainError saying why `actor` may not take `transition` on `case` now.

    `visible=True`: the caller has just read the case through `Case.objects.restrict(actor)`, so the
    visibility query is not repeated."""
    if actor is None:
        raise NotAllowed(_("Someone must take this step."), code="no_actor")
    is_system = getattr(actor, "kind", None) == "system"
    if is_system:
        if not transition.system_may:
            raise NotAllowed(_("This step needs a person to take it."), code="not_system")
    else:
        if not transition.granted(actor):
            raise NotAllowed(_("Your role may not take the step “%(step)s”.") % {"step": transition.label}, code="role")
        if not visible and not Case.objects.restrict(actor).filter(pk=case.pk).exists():
            raise NotFound(_("No such case."))
    if case.state not in transition.sources:
        raise DomainError(
            _("The step “%(step)s” is not possible while the case is %(state)s.")
            % {"step": transition.label, "state": CaseState(case.state).label},
            code="illegal_transition",
        )
    if transition.note_required and not note.strip():
        raise DomainError(_("Give a reason for this step."), code="note_required")
    for key in transition.guards:
        registry.guards[key](case, actor, note)


@transaction.atomic
def case_transition(*, case: Case | int, code: str, actor: Any, note: str = "") -> Case:
    """Take one declared transition. The only way a case's state changes."""
    transition = TRANSITIONS.get(code)
    if transition is None:
        raise DomainError(_("Unknown step."), code="unknown_transition")
    locked = case_lock(case)
    check_transition(case=locked, transition=transition, actor=actor, note=note)
    before = case_snapshot(locked)
    from_state = locked.state
    locked.state = transition.target
    now = timezone.now()  # one time for the closing and its timeline entry
    if transition.target in CLOSED_STATES and locked.closed_at is None:
        locked.closed_at = now
    if transition.assigns_judge:
        locked.judge = actor
    locked.save()
    data: dict[str, Any] = {}
    if transition.issues_number:
        number = case_number_assign(case=locked, kind=transition.issues_number)
        data["number"] = number.text
    case_event_record(
        locked,
        actor=actor,
        kind=transition.code,
        note=note.strip(),
        from_state=from_state,
        to_state=locked.state,
        data=data,
        at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CASE_TRANSITION,
        obj=locked,
        before=before,
        after={**case_snapshot(locked), "transition": transition.code, "note": note.strip()},
    )
    case_id, target = locked.pk, str(locked.state)
    for receiver in registry.receivers.values():
        transaction.on_commit(partial(receiver.one, case_id, code, from_state, target))
    return locked


NOTIFY_CHUNK = 2000  # cases per call of a receiver's `many`: a query over them stays within any driver's limits


def case_transitions_notify(*, case_ids: list[int], code: str, from_state: str, to_state: str) -> None:
    """After commit: every registered receiver learns that these cases took the step `code` together
    (a batch import's triage), `many` at most NOTIFY_CHUNK cases at a time (PostgreSQL refuses a
    statement with more than 65,535 parameters). A failing receiver never breaks the others or the caller."""
    for key, receiver in registry.receivers.items():
        for start in range(0, len(case_ids), NOTIFY_CHUNK):
            chunk = case_ids[start : start + NOTIFY_CHUNK]
            try:
                if receiver.many is not None:
                    receiver.many(chunk, code, from_state, to_state)
                else:
                    for case_id in chunk:
                        receiver.one(case_id, code, from_state, to_state)
            except Exception:
                logger.exception("transition receiver %s failed for %d cases", key, len(chunk))


def allowed_transitions(*, case: Case, actor: Any, visible: bool | None = None) -> list[Transition]:
    """The steps this actor could take now (the note requirement aside), for buttons and the API.

    Steps the case's state or the actor's role rule out are skipped before any query; the case's
    visibility is checked once (not at all with `visible=True`, see `check_transition`)."""
    is_system = getattr(actor, "kind", None) == "system"
    candidates = [
        t for t in TRANSITIONS.values() if case.state in t.sources and (t.system_may if is_system else t.granted(actor))
    ]
    if candidates and not is_system and visible is None:
        visible = Case.objects.restrict(actor).filter(pk=case.pk).exists()
        if not visible:
            return []
    result = []
    for t in candidates:
        try:
            check_transition(case=case, transition=t, actor=actor, note="-", visible=visible)
        except DomainError:
            continue
        result.append(t)
    return result


# One service per transition: the names the rest of the code calls. ---------------------------


def case_triage(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="triage", actor=actor, note=note)


def case_start_mediation(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="start_mediation", actor=actor, note=note)


def case_reach_agreement(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="reach_agreement", actor=actor, note=note)


def case_confirm(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="confirm", actor=actor, note=note)


def case_refuse_confirmation(*, case: Case | int, actor: Any, note: str) -> Case:
    return case_transition(case=case, code="refuse_confirmation", actor=actor, note=note)


def case_start_performance(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="start_performance", actor=actor, note=note)


def case_fulfil(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="fulfil", actor=actor, note=note)


def case_fail_mediation(*, case: Case | int, actor: Any, note: str) -> Case:
    return case_transition(case=case, code="fail_mediation", actor=actor, note=note)


def case_file(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="file", actor=actor, note=note)


def case_try(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="try", actor=actor, note=note)


def case_enforce(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="enforce", actor=actor, note=note)


def case_close(*, case: Case | int, actor: Any, note: str = "") -> Case:
    return case_transition(case=case, code="close", actor=actor, note=note)


def case_withdraw(*, case: Case | int, actor: Any, note: str) -> Case:
    return case_transition(case=case, code="withdraw", actor=actor, note=note)


def case_reject(*, case: Case | int, actor: Any, note: str) -> Case:
    return case_transition(case=case, code="reject", actor=actor, note=note)


@transaction.atomic
def case_assign_mediator(*, case: Case | int, actor: Any, mediator: User) -> Case:
    locked = case_lock(case)
    if not may(actor, "cases.assign"):
        raise NotAllowed(_("Only center staff and clerks assign mediators."), code="role")
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may(mediator, "cases.mediate"):
        raise DomainError(_("Choose an active mediator."), code="not_a_mediator")
    if locked.state not in (CaseState.SUBMITTED, CaseState.TRIAGED, CaseState.MEDIATING):
        raise DomainError(_("A mediator can only be assigned before or during mediation."), code="illegal_assignment")
    before = {"mediator_id": locked.mediator_id}
    locked.mediator = mediator
    locked.save(update_fields=["mediator", "updated_at"])
    case_event_record(locked, actor=actor, kind="mediator_assigned", data={"mediator": str(mediator)})
    audit_record(
        actor=actor, action=AuditAction.CASE_ASSIGN, obj=locked, before=before, after={"mediator_id": mediator.pk}
    )
    return locked


@transaction.atomic
def case_assign_team(*, case: Case | int, actor: Any, team: Team) -> Case:
    locked = case_lock(case)
    if not may(actor, "cases.assign"):
        raise NotAllowed(_("Only center staff and clerks assign teams."), code="role")
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if team.court_id != locked.court_id:
        raise DomainError(_("The team belongs to another court."), code="team_court")
    before = {"team_id": locked.team_id}
    locked.team = team
    locked.save(update_fields=["team", "updated_at"])
    case_event_record(locked, actor=actor, kind="team_assigned", data={"team": team.name})
    audit_record(actor=actor, action=AuditAction.CASE_ASSIGN, obj=locked, before=before, after={"team_id": team.pk})
    return locked


# Reference data: categories and teams ------------------------------------------------------


@transaction.atomic
def category_ensure(
    *, actor: Any, code: str, name: str, colour: str = "", description: str = "", sort_order: int = 0
) -> Category:
    """The category with this code; created (and recorded) if there is none yet."""
    existing = Category.objects.filter(code=code).first()
    if existing is not None:
        return existing
    category = Category(code=code, name=name, colour=colour, description=description, sort_order=sort_order)
    category.full_clean()
    category.save()
    audit_record(
        actor=actor,
        action=AuditAction.REFERENCE_CHANGE,
        obj=category,
        after={"op": "category.create", "code": code, "name": name, "colour": colour},
    )
    return category


@transaction.atomic
def team_create(*, actor: Any, court: Organisation, name: str, kind: str, members: list[User]) -> Team:
    """A team of a court (mediation, fast track, trial), with its members."""
    if court.kind != OrganisationKind.COURT:
        raise DomainError(_("A team belongs to a court."), code="team_court")
    team = Team(court=court, name=name, kind=kind)
    team.full_clean()
    team.save()
    team.members.set(members)
    audit_record(
        actor=actor,
        action=AuditAction.REFERENCE_CHANGE,
        obj=team,
        after={
            "op": "team.create",
            "court_id": court.pk,
            "name": name,
            "kind": kind,
            "member_ids": [m.pk for m in members],
        },
    )
    return team

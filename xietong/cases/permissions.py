"""Who may see and change which case: the one rule behind every page and API route.

`Case.objects.restrict(actor, action)` takes one of `CASE_ACTIONS`:

* "view": the cases the actor may see. The center sees every case; a court's clerks and judges
  their court's; a mediator the cases assigned to them; an institution's operators the cases their
  institution is a party to; a station agent what the station filed; a party their own cases (and a
  relative the cases they act in, while the authorisation is in force); regulators none (they see
  aggregates).
* "change": the cases the actor may write to (steps, offers, sessions, agreements, records): the
  same cases, except that a case that has ended (`definitions.CLOSED_STATES`) is read-only for
  everyone but the center and the court holding it.

The named actions of the cases app (`may(actor, "cases.list")`, …) are registered below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles, may
from xietong.core.errors import NotAllowed, NotFound

from .definitions import CLOSED_STATES

if TYPE_CHECKING:
    from .models import Case, CaseQuerySet

__all__ = [
    "CASE_ACTIONS",
    "actor_person_id",
    "actor_role",
    "case_require",
    "court_scope",
    "may_see_personal_data",
    "restrict_cases",
    "restrict_courts",
    "restrict_institutions",
]

CASE_ACTIONS = frozenset({"view", "change"})
# Who may still write to a case that has ended: the center and the court that holds it.
COURT_SIDE = frozenset({Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE})


def restrict_cases(qs: CaseQuerySet, actor: Any, action: str = "view") -> CaseQuerySet:
    if action not in CASE_ACTIONS:
        raise ValueError(f"Unknown case action {action!r}: one of {sorted(CASE_ACTIONS)}.")
    visible = _visible_cases(qs, actor)
    if action == "change" and actor_role(actor) not in COURT_SIDE:
        return visible.exclude(state__in=CLOSED_STATES)
    return visible


def case_require(*, actor: Any, case: Case, action: str = "view") -> None:
    """Raise NotFound if `actor` may not see `case`, NotAllowed if they see it but may not take `action`."""
    from .models import Case

    one = Case.objects.filter(pk=case.pk)
    if not one.restrict(actor).exists():
        raise NotFound(_("No such case."))
    if action != "view" and not one.restrict(actor, action).exists():
        raise NotAllowed(_("The case has ended: it can no longer be changed."), code="case_ended")


def _visible_cases(qs: CaseQuerySet, actor: Any) -> CaseQuerySet:
    from .models import CaseParty

    role = actor_role(actor)
    if role is None:
        return qs.none()
    if role == Role.CENTER_ADMIN:
        return qs
    if role in (Role.CLERK, Role.JUDGE):
        return qs.filter(court_id=actor.organisation_id)
    if role == Role.MEDIATOR:
        return qs.filter(mediator_id=actor.pk)
    if role == Role.INSTITUTION_OPERATOR:
        return qs.filter(
            Exists(CaseParty.objects.filter(case_id=OuterRef("pk"), organisation_id=actor.organisation_id))
        )
    if role == Role.STATION_AGENT:
        return qs.filter(station_id=actor.organisation_id)
    if role == Role.PARTY:
        person_id = actor_person_id(actor)
        if person_id is None:
            return qs.none()
        from xietong.parties.selectors import authorisations_active

        # A relative sees the case only while the party's authorisation they act under is in force.
        # One `pk IN (… UNION …)`: each half runs on its own index on SQLite and PostgreSQL alike;
        # an EXISTS or an OR of two IN lists makes one of them scan every case (bench/README.md).
        own = CaseParty.objects.filter(person_id=person_id).values("case_id")
        acting = CaseParty.objects.filter(
            agent_id=person_id,
            authorisation__in=authorisations_active().filter(agent_id=person_id),
            authorisation__principal_id=F("person_id"),
        ).values("case_id")
        return qs.filter(pk__in=own.union(acting))
    # Regulators see aggregates only, never a case row.
    return qs.none()


def case_status_visible(actor: Any, doc: Any) -> bool:
    """The "view" rule of `_visible_cases`, decided on the ids a case's status document keeps
    (`status.StatusDoc`: court, station, mediator, parties) instead of a query on the cases:
    `may(actor, "cases.view_status", doc)`. A relative's authorisation is read, as it can lapse.
    `cases/tests/test_status.py` compares the two rules for every role and case."""
    role = actor_role(actor)
    if doc is None or role is None:
        return False
    if role == Role.CENTER_ADMIN:
        return True
    organisation_id = getattr(actor, "organisation_id", None)
    if role in (Role.CLERK, Role.JUDGE):
        return organisation_id is not None and doc.court_id == organisation_id
    if role == Role.MEDIATOR:
        return doc.mediator_id is not None and doc.mediator_id == actor.pk
    if role == Role.INSTITUTION_OPERATOR:
        return organisation_id is not None and organisation_id in doc.parties.get("organisations", ())
    if role == Role.STATION_AGENT:
        return organisation_id is not None and doc.station_id == organisation_id
    if role == Role.PARTY:
        person_id = actor_person_id(actor)
        if person_id is None:
            return False
        if person_id in doc.parties.get("persons", ()):
            return True
        acting = {(auth, person) for agent, person, auth in doc.parties.get("acting", ()) if agent == person_id}
        if not acting:
            return False
        from xietong.parties.selectors import authorisations_active

        in_force = authorisations_active().filter(agent_id=person_id, pk__in=[auth for auth, _p in acting])
        return any(pair in acting for pair in in_force.values_list("pk", "principal_id"))
    return False


def actor_person_id(user: Any) -> int | None:
    from xietong.parties.models import Person

    cached = getattr(user, "_person_id_cache", False)
    if cached is not False:
        return cached
    pid = Person.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    user._person_id_cache = pid
    return pid


def may_see_personal_data(actor: Any) -> bool:
    """Whether this role may ever reveal a full ID or phone number (for the cases it may see)."""
    return may(actor, "cases.personal_data")


def _not_regulator(actor: Any, obj: Any = None) -> bool:
    return actor_role(actor) not in (None, Role.REGULATOR)


def _view(actor: Any, case: Any = None) -> bool:
    """Open case pages and their panels (which cases: `restrict_cases`); with a case, that one."""
    if not _not_regulator(actor):
        return False
    if case is None:
        return True
    from .models import Case

    return Case.objects.restrict(actor).filter(pk=case.pk).exists()


def _mediate(actor: Any, case: Any = None) -> bool:
    """A mediator (active): assigned to cases; with a case, the mediator assigned to it."""
    return actor_role(actor) == Role.MEDIATOR and (case is None or case.mediator_id == getattr(actor, "pk", None))


def _court(actor: Any, case: Any = None) -> bool:
    """A court's clerk or judge; with a case, of the court that holds it."""
    return actor_role(actor) in (Role.CLERK, Role.JUDGE) and (
        case is None or getattr(actor, "organisation_id", None) == case.court_id
    )


CASES_PERMISSIONS: dict[str, Predicate] = {
    # Lists of cases with filters (the home page): everyone who holds case rows, parties aside.
    "cases.list": for_roles(
        Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.MEDIATOR, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT
    ),
    # Case pages and their panels: everyone signed in but regulators (with a case: that case is visible).
    "cases.view": _view,
    # A party following their own cases: what happens next, in their own words.
    "cases.own": for_roles(Role.PARTY),
    # Counts without names (the statistics API).
    "cases.stats": for_roles(Role.CENTER_ADMIN, Role.REGULATOR, Role.CLERK, Role.JUDGE),
    # Reveal a full ID or phone number of a case they may see.
    "cases.personal_data": _not_regulator,
    # Assign a case's mediator and team: the center's staff and the clerks.
    "cases.assign": for_roles(Role.CENTER_ADMIN, Role.CLERK),
    # The steps a mediator takes are the assigned mediator's (guard "cases.case_mediator").
    "cases.mediate": _mediate,
    # The steps a court's staff take are the holding court's (guard "cases.court").
    "cases.court": _court,
    # A case's status document (`status.py`): whoever may see the case, decided on the document's ids.
    "cases.view_status": case_status_visible,
}


def court_scope(actor: Any) -> int | None:
    """The court whose cases and figures a court's clerk or judge is limited to; None for everyone else."""
    return actor.organisation_id if _court(actor) else None


def restrict_courts(qs: Any, actor: Any) -> Any:
    """Courts to choose from (filters): a court's staff their own court, everyone else every court."""
    return qs.filter(pk=actor.organisation_id) if _court(actor) else qs


def restrict_institutions(qs: Any, actor: Any) -> Any:
    """Institutions to choose from (filters): an institution's operators their own, everyone else every one."""
    return qs.filter(pk=actor.organisation_id) if actor_role(actor) == Role.INSTITUTION_OPERATOR else qs

"""Who may see which case: the one rule behind every page and API route."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef

from xietong.accounts.choices import Role

if TYPE_CHECKING:
    from .models import CaseQuerySet


def actor_role(actor: Any) -> str | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if not getattr(actor, "is_active", True):
        return None
    return getattr(actor, "role", None)


def restrict_cases(qs: CaseQuerySet, actor: Any, action: str = "view") -> CaseQuerySet:
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
    return actor_role(actor) not in (None, Role.REGULATOR)

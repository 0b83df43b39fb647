"""Reads for agreements. The judiciary app uses agreement_current and agreement_signed_for_case."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import may
from xietong.cases.models import Case, CaseParty
from xietong.cases.permissions import actor_person_id, actor_role

from .choices import AgreementStatus
from .models import Agreement, AgreementSignature


def _with_details(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    return qs.select_related("case", "drafted_by").prefetch_related(
        "instalments",
        Prefetch("signatures", queryset=AgreementSignature.objects.select_related("case_party", "signed_by")),
    )


def agreement_current(case: Case) -> Agreement | None:
    """The latest version of the case's agreement that is not void, or None."""
    return (
        _with_details(Agreement.objects.filter(case_id=case.pk).exclude(status=AgreementStatus.VOID))
        .order_by("-version")
        .first()
    )


def agreement_signed_for_case(case: Case) -> Agreement | None:
    """The case's agreement signed by every party and frozen, or None."""
    return (
        _with_details(Agreement.objects.filter(case_id=case.pk, status=AgreementStatus.SIGNED, frozen_at__isnull=False))
        .order_by("-version")
        .first()
    )


def agreements_of_case(case: Case) -> QuerySet[Agreement]:
    """Every version, newest first (void ones included: the history is kept)."""
    return _with_details(Agreement.objects.filter(case_id=case.pk)).order_by("-version")


def agreement_get(*, actor: Any, case: Case, pk: int) -> Agreement | None:
    """An agreement of `case`, if the actor may see the case."""
    visible = Case.objects.restrict(actor).filter(pk=case.pk).values("pk")
    return _with_details(Agreement.objects.filter(case_id__in=visible, pk=pk)).first()


def agreement_get_for_actor(*, actor: Any, pk: int) -> Agreement | None:
    """An agreement of a case this actor may see, or None."""
    visible = Case.objects.restrict(actor).values("pk")
    return _with_details(Agreement.objects.filter(pk=pk, case_id__in=visible)).first()


def parties_of(agreement: Agreement) -> list[CaseParty]:
    return list(
        CaseParty.objects.filter(case_id=agreement.case_id)
        .select_related("person", "organisation", "agent")
        .order_by("pk")
    )


def party_may_sign_as(actor: Any, party: CaseParty) -> str:
    """How `actor` may sign for `party` online: "person", "agent", "operator", or "" (not at all).

    The agent counts only while the authorisation recorded on the case party is in force.
    """
    role = actor_role(actor)
    if role == Role.PARTY:
        person_id = actor_person_id(actor)
        if person_id is None or party.person_id is None:
            return ""
        if party.person_id == person_id:
            return "person"
        if party.agent_id == person_id and party.authorisation_id is not None:
            from xietong.parties.selectors import authorisations_active

            if (
                authorisations_active()
                .filter(pk=party.authorisation_id, agent_id=person_id, principal_id=party.person_id)
                .exists()
            ):
                return "agent"
        return ""
    if (
        role == Role.INSTITUTION_OPERATOR
        and party.organisation_id is not None
        and party.organisation_id == getattr(actor, "organisation_id", None)
    ):
        return "operator"
    return ""


def may_record_counter_signature(actor: Any, case: Case) -> bool:
    return may(actor, "agreements.counter_signature", case)


def counter_signature_predicate(actor: Any, case: Any = None) -> bool:
    """Clerks and the center record paper signatures at the counter; the case's mediator too."""
    role = actor_role(actor)
    if role in (Role.CENTER_ADMIN, Role.CLERK):
        return True
    return role == Role.MEDIATOR and case is not None and case.mediator_id == actor.pk

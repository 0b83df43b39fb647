"""Reads for agreements. The judiciary app uses agreement_current and agreement_signed_for_case."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from xietong.accounts.permissions import may
from xietong.cases.models import Case, CaseParty

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


def may_record_counter_signature(actor: Any, case: Case) -> bool:
    return may(actor, "agreements.counter_signature", case)

"""Reads for batches, each starting from the one visibility rule."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.cases.definitions import OPEN_STATES
from xietong.cases.models import Category
from xietong.core.errors import NotFound

from .models import Batch, BatchRow, ColumnMapping
from .permissions import restrict_batches


def batch_list(*, actor: Any) -> QuerySet[Batch]:
    return restrict_batches(Batch.objects.all(), actor).select_related("institution", "uploaded_by", "category")


def batch_get(*, actor: Any, pk: int) -> Batch:
    """A batch this actor may see, or NotFound (another bank's batch does not exist for them)."""
    batch = batch_list(actor=actor).filter(pk=pk).first()
    if batch is None:
        raise NotFound(_("No such batch."))
    return batch


def batch_problem_rows(*, batch: Batch) -> QuerySet[BatchRow]:
    return batch.rows.filter(is_valid=False).order_by("number")


def institutions_for(*, actor: Any) -> QuerySet[Organisation]:
    """The institutions this actor may upload for: their own, or any for the center admin."""
    qs = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True).order_by("name")
    if may(actor, "batches.any_institution"):
        return qs
    if may(actor, "batches.use"):
        return qs.filter(pk=actor.organisation_id)
    return qs.none()


def mapping_for(*, institution: Organisation, headers_key: str) -> ColumnMapping | None:
    return ColumnMapping.objects.filter(institution=institution, headers_key=headers_key).first()


def names_on_file(*, id_numbers: list[str]) -> dict[str, str]:
    """ID number → name of the persons already on file among these ID numbers."""
    from xietong.parties.models import Person

    wanted = sorted(set(filter(None, id_numbers)))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 2000):
        found.update(Person.objects.filter(id_number__in=wanted[i : i + 2000]).values_list("id_number", "name"))
    return found


def open_case_keys(*, institution: Organisation) -> set[tuple[str, str]]:
    """(ID number, card/contract number) of the institution's open cases.

    Cases have no contract number of their own; it is known from three places: rows of earlier
    batches imported as cases, overdue debts (lookup) a case was opened for, and applications
    filed with a reference (the institution's API).
    """
    from xietong.cases.choices import PartyRole
    from xietong.intake.models import Application
    from xietong.lookup.models import OverdueDebt

    open_states = list(OPEN_STATES)
    keys: set[tuple[str, str]] = set(
        BatchRow.objects.filter(
            batch__institution=institution, case__isnull=False, case__state__in=open_states
        ).values_list("id_number", "contract_number")
    )
    keys.update(
        OverdueDebt.objects.filter(
            institution=institution, case__isnull=False, case__state__in=open_states
        ).values_list("person__id_number", "contract_number")
    )
    keys.update(
        (id_number, reference.replace(" ", "").upper())
        for id_number, reference in Application.objects.filter(
            applicant_organisation=institution,
            cases__institution=institution,
            cases__state__in=open_states,
            cases__parties__role=PartyRole.RESPONDENT,
            cases__parties__person__isnull=False,
        )
        .exclude(reference="")
        .values_list("cases__parties__person__id_number", "reference")
    )
    return {(i, c.upper()) for i, c in keys if i and c}


def category_by_code(code: str) -> Category | None:
    """An active category by its code (the API names the category of every case so)."""
    return Category.objects.filter(code=code.strip(), is_active=True).first() if code.strip() else None

"""Reads for the pre-filing lookup.

The lookup deliberately crosses institutions and courts: it is the court's view of everything a
person already has, before anything is filed. Only who may "lookup.use" (and a party for
themself) reach it; which cases can then be opened as pages still follows `Case.objects.restrict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from xietong.cases.choices import NumberKind
from xietong.cases.models import Case, CaseNumber, CaseParty
from xietong.parties.models import Person

from .choices import SUED_STATES
from .models import OverdueDebt


def sued_q() -> Q:
    """Cases that are lawsuits: a 民初 number, or filed, tried or in enforcement."""
    has_trial_number = Exists(CaseNumber.objects.filter(case_id=OuterRef("pk"), kind=NumberKind.FIRST_INSTANCE))
    return Q(has_trial_number) | Q(state__in=SUED_STATES)


def person_cases(*, person: Person) -> QuerySet[Case]:
    """Every case with this person as a party or as the acting relative, across courts and institutions."""
    involved = CaseParty.objects.filter(case_id=OuterRef("pk")).filter(Q(person=person) | Q(agent=person))
    return (
        Case.objects.filter(Exists(involved))
        .annotate(is_lawsuit=sued_q())
        .select_related("court", "institution")
        .prefetch_related(
            Prefetch("numbers", queryset=CaseNumber.objects.order_by("assigned_at", "pk")),
            Prefetch("parties", queryset=CaseParty.objects.filter(Q(person=person) | Q(agent=person)), to_attr="mine"),
        )
        .order_by("-submitted_at", "-pk")
    )


def person_debts(*, person: Person) -> QuerySet[OverdueDebt]:
    return (
        OverdueDebt.objects.filter(person=person)
        .select_related("institution", "case")
        .order_by("institution__name", "overdue_since", "pk")
    )


@dataclass
class InstitutionLine:
    institution: Any
    debts: list[OverdueDebt] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    sued: bool = False


@dataclass
class LookupResult:
    id_number: str
    person: Person | None
    debts: list[OverdueDebt]
    cases: list[Case]
    by_institution: list[InstitutionLine]
    visible_case_ids: set[int]

    @property
    def any_sued(self) -> bool:
        return any(getattr(c, "is_lawsuit", False) for c in self.cases)

    @property
    def openable(self) -> list[OverdueDebt]:
        return [d for d in self.debts if d.case_id is None]


def person_lookup_result(*, actor: Any, id_number: str) -> LookupResult:
    """Everything on file about the person with this (already validated) ID number."""
    person = Person.objects.filter(id_number=id_number).first()
    if person is None:
        return LookupResult(id_number, None, [], [], [], set())
    debts = list(person_debts(person=person))
    cases = list(person_cases(person=person))
    lines: dict[int | None, InstitutionLine] = {}
    for d in debts:
        lines.setdefault(d.institution_id, InstitutionLine(d.institution)).debts.append(d)
    for c in cases:
        line = lines.setdefault(c.institution_id, InstitutionLine(c.institution))
        line.cases.append(c)
        line.sued = line.sued or bool(getattr(c, "is_lawsuit", False))
    visible = set(Case.objects.restrict(actor).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    ordered = sorted(
        lines.values(), key=lambda ln: (ln.institution is None, ln.institution.name if ln.institution else "")
    )
    return LookupResult(id_number, person, debts, cases, ordered, visible)


def case_for_status(*, number: str) -> Case | None:
    """The case holding this number (any of its numbers). Public status check only: no actor."""
    found = Case.objects.filter(number=number).first()
    if found is None:
        found = Case.objects.filter(Exists(CaseNumber.objects.filter(case_id=OuterRef("pk"), text=number))).first()
    return found


def status_phone(*, case: Case) -> str:
    """The phone on file of the case's first person party that has one ('' when none)."""
    row = (
        CaseParty.objects.filter(case=case, person__isnull=False)
        .exclude(person__phone="")
        .order_by("pk")
        .values_list("person__phone", flat=True)
        .first()
    )
    return row or ""

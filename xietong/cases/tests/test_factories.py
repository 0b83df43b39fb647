"""The factories make what the services make: valid, numbered, audited objects."""

from __future__ import annotations

import pytest

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.tests.factories import CourtFactory, InstitutionFactory, UserFactory
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import audit_verify
from xietong.cases.choices import CaseState, PartyRole
from xietong.parties.tests.factories import PersonFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_a_case_from_the_factory_is_a_case_from_case_create():
    case = CaseFactory()
    case.full_clean()
    assert case.state == CaseState.SUBMITTED and case.number and "民诉前调" in case.number
    assert case.court.kind == OrganisationKind.COURT and case.institution.kind == OrganisationKind.INSTITUTION
    assert sorted(case.parties.values_list("role", flat=True)) == [PartyRole.APPLICANT, PartyRole.RESPONDENT]
    assert list(case.events.values_list("kind", flat=True)) == ["created"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.ORGANISATION_CREATE, AuditAction.PERSON_CREATE, AuditAction.CASE_CREATE} <= actions
    assert audit_verify()[1] is None


def test_each_object_is_new_and_valid():
    people = PersonFactory.create_batch(3)
    assert len({p.id_number for p in people}) == 3
    for p in people:
        p.full_clean()
    banks = InstitutionFactory.create_batch(2)
    assert len({b.uscc for b in banks}) == 2
    courts = CourtFactory.create_batch(2)
    assert len({c.court_code for c in courts}) == 2
    clerk = UserFactory()
    assert clerk.role == Role.CLERK and clerk.organisation.kind == OrganisationKind.COURT
    party = UserFactory(role=Role.PARTY, organisation=None)
    assert party.organisation is None and not party.has_usable_password()

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Door, PartyRole, Product
from xietong.cases.models import Case
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.lookup.models import OverdueDebt
from xietong.lookup.services import cases_open_from_debts, overdue_debt_record, person_lookup

from .helpers import add_story1_borrower

pytestmark = pytest.mark.django_db


def test_open_three_cases_from_three_debts_in_one_step(world):
    person, debts = add_story1_borrower(world)
    before = Case.objects.count()
    cases = cases_open_from_debts(actor=world.users["clerk"], person=person, debt_ids=[d.pk for d in debts])
    assert len(cases) == 3 and Case.objects.count() == before + 3
    for debt, case in zip(debts, cases, strict=True):
        debt.refresh_from_db()
        case.refresh_from_db()
        assert debt.case_id == case.pk
        assert "民诉前调" in case.number
        assert case.door == Door.COUNTER and case.court == world.court
        assert case.institution == debt.institution and case.product == debt.product
        assert (case.principal, case.interest, case.penalty) == (debt.principal, debt.interest, debt.penalty)
        assert case.state == CaseState.TRIAGED  # went through the automatic triage
        roles = {(p.role, p.person_id, p.organisation_id) for p in case.parties.all()}
        assert roles == {(PartyRole.RESPONDENT, person.pk, None), (PartyRole.APPLICANT, None, debt.institution_id)}


def test_open_is_all_or_nothing_when_one_debt_already_has_a_case(world):
    person, debts = add_story1_borrower(world)
    cases_open_from_debts(actor=world.users["clerk"], person=person, debt_ids=[debts[1].pk])
    before = Case.objects.count()
    with pytest.raises(Conflict) as exc:
        cases_open_from_debts(actor=world.users["clerk"], person=person, debt_ids=[d.pk for d in debts])
    assert exc.value.code == "already_opened"
    assert Case.objects.count() == before
    assert OverdueDebt.objects.filter(case__isnull=True).count() == 2


def test_double_submit_opens_nothing_twice(world):
    person, debts = add_story1_borrower(world)
    ids = [d.pk for d in debts]
    cases_open_from_debts(actor=world.users["admin"], person=person, debt_ids=ids)
    n = Case.objects.count()
    with pytest.raises(Conflict):
        cases_open_from_debts(actor=world.users["admin"], person=person, debt_ids=ids)
    assert Case.objects.count() == n


def test_refuses_a_debt_of_another_person(world):
    person, debts = add_story1_borrower(world)
    other_debt = overdue_debt_record(
        actor=SYSTEM,
        institution=world.bank,
        person=world.persons["other"],
        product=Product.CREDIT_CARD,
        contract_number="X-1",
        principal="100",
        overdue_since=timezone.localdate(),
    )
    n = Case.objects.count()
    with pytest.raises(DomainError) as exc:
        cases_open_from_debts(actor=world.users["clerk"], person=person, debt_ids=[debts[0].pk, other_debt.pk])
    assert exc.value.code == "other_person"
    assert Case.objects.count() == n
    with pytest.raises(DomainError):
        cases_open_from_debts(actor=world.users["clerk"], person=person, debt_ids=[])


@pytest.mark.parametrize("role", ["judge", "mediator", "bank", "regulator", "station", "party"])
def test_only_center_and_clerks_open_cases(world, role):
    person, debts = add_story1_borrower(world)
    with pytest.raises(NotAllowed):
        cases_open_from_debts(actor=world.users[role], person=person, debt_ids=[debts[0].pk])
    assert not OverdueDebt.objects.filter(case__isnull=False).exists()


def test_record_debt_is_audited_and_checked(world):
    person = world.persons["borrower"]
    n = AuditEntry.objects.count()
    debt = overdue_debt_record(
        actor=world.users["bank"],
        institution=world.bank,
        person=person,
        product=Product.CREDIT_CARD,
        contract_number=" 6222 ",
        principal="12000.00",
        interest="1.5",
        overdue_since=dt.date(2025, 1, 1),
    )
    assert debt.contract_number == "6222" and debt.interest == Decimal("1.50")
    assert AuditEntry.objects.count() == n + 1
    kw = {"person": person, "product": Product.CREDIT_CARD, "principal": "1", "overdue_since": dt.date(2025, 1, 1)}
    with pytest.raises(NotAllowed):  # one bank never reports for another
        overdue_debt_record(actor=world.users["bank"], institution=world.other_bank, contract_number="A", **kw)
    with pytest.raises(NotAllowed):
        overdue_debt_record(actor=world.users["clerk"], institution=world.bank, contract_number="A", **kw)
    with pytest.raises(Conflict):
        overdue_debt_record(actor=world.users["admin"], institution=world.bank, contract_number="6222", **kw)
    with pytest.raises(DomainError):
        overdue_debt_record(
            actor=world.users["admin"], institution=world.bank, contract_number="B", **{**kw, "principal": "-5"}
        )
    with pytest.raises(DomainError):
        overdue_debt_record(actor=world.users["admin"], institution=world.court, contract_number="C", **kw)


def test_every_staff_lookup_is_audited_even_when_nothing_is_found(world):
    clerk = world.users["clerk"]
    n = AuditEntry.objects.filter(action="person.lookup").count()
    result = person_lookup(actor=clerk, id_number="110101199003070011")
    assert result.person is None
    entry = AuditEntry.objects.filter(action="person.lookup").order_by("-seq").first()
    assert AuditEntry.objects.filter(action="person.lookup").count() == n + 1
    assert entry.actor_id == clerk.pk and entry.after["found"] is False
    assert entry.after["id_number"] == "110101199003070011"
    person_lookup(actor=world.users["judge"], id_number=world.persons["borrower"].id_number)
    entry = AuditEntry.objects.filter(action="person.lookup").order_by("-seq").first()
    assert entry.actor_id == world.users["judge"].pk
    assert entry.object_id == str(world.persons["borrower"].pk) and entry.after["found"] is True


@pytest.mark.parametrize("role", ["mediator", "bank", "regulator", "station", "party"])
def test_lookup_refused_outside_center_and_court(world, role):
    n = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        person_lookup(actor=world.users[role], id_number=world.persons["borrower"].id_number)
    assert AuditEntry.objects.count() == n


def test_lookup_rejects_a_bad_id_number_clearly(world):
    with translation.override("en"), pytest.raises(DomainError) as exc:
        person_lookup(actor=world.users["clerk"], id_number="350802198003150017")
    assert exc.value.code == "id_number" and "check digit" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        person_lookup(actor=world.users["clerk"], id_number="350802198003150017")
    assert "校验码" in str(exc.value.message)

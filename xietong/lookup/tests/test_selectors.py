import pytest
from django.utils import translation

from tests.support.judiciary import file_case
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.services import (
    case_fail_mediation,
    case_start_mediation,
)
from xietong.lookup.choices import NEXT_STEP
from xietong.lookup.selectors import person_cases, person_lookup_result, sued_q

from .helpers import add_story1_borrower

pytestmark = pytest.mark.django_db


def _to_failed(world, case):
    case_start_mediation(case=case, actor=world.users["mediator"])
    case_fail_mediation(case=case, actor=world.users["mediator"], note="no agreement")


def test_no_lawsuit_until_a_case_is_filed(world):
    borrower = world.persons["borrower"]
    result = person_lookup_result(actor=world.users["clerk"], id_number=borrower.id_number)
    assert {c.pk for c in result.cases} == {world.cases["bank"].pk, world.cases["other_bank"].pk}
    assert not result.any_sued
    _to_failed(world, world.cases["bank"])
    assert not person_lookup_result(actor=world.users["clerk"], id_number=borrower.id_number).any_sued
    file_case(world.cases["bank"], world.users["clerk"])  # the plaintiff asks, the clerk files
    result = person_lookup_result(actor=world.users["clerk"], id_number=borrower.id_number)
    assert result.any_sued
    sued = [ln for ln in result.by_institution if ln.sued]
    assert [ln.institution for ln in sued] == [world.bank]
    assert Case.objects.filter(sued_q()).get() == world.cases["bank"]


def test_a_first_instance_number_counts_as_sued_even_after_the_trial(world):
    case = world.cases["bank"]
    _to_failed(world, case)
    file_case(case, world.users["clerk"])
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)  # e.g. closed after judgment
    assert Case.objects.filter(sued_q(), pk=case.pk).exists()
    assert not Case.objects.filter(sued_q(), pk=world.cases["other_bank"].pk).exists()


def test_cases_as_acting_relative_are_found_too(world):
    relative = world.persons["relative"]
    cases = list(person_cases(person=relative))
    assert {c.pk for c in cases} == {world.cases["bank"].pk, world.cases["other_bank"].pk}
    assert all(p.agent_id == relative.pk for c in cases for p in c.mine)


def test_lookup_crosses_courts_but_links_only_visible_cases(world):
    other = world.persons["other"]
    result = person_lookup_result(actor=world.users["clerk"], id_number=other.id_number)
    assert [c.pk for c in result.cases] == [world.cases["other_court"].pk]
    assert result.visible_case_ids == set()
    result = person_lookup_result(actor=world.users["other_judge"], id_number=other.id_number)
    assert result.visible_case_ids == {world.cases["other_court"].pk}


def test_debts_across_institutions_and_openable(world):
    person, _debts = add_story1_borrower(world)
    result = person_lookup_result(actor=world.users["clerk"], id_number=person.id_number)
    assert len(result.debts) == 3 and len(result.openable) == 3
    assert len({d.institution_id for d in result.debts}) == 3
    assert not result.any_sued and result.cases == []


def test_every_state_has_a_next_step():
    assert set(NEXT_STEP) == set(CaseState)
    assert all(str(v).strip() for v in NEXT_STEP.values())
    with translation.override("en"):
        assert "triage" in str(NEXT_STEP[CaseState.SUBMITTED]).lower()
    with translation.override("zh-hans"):
        assert "分流" in str(NEXT_STEP[CaseState.SUBMITTED])

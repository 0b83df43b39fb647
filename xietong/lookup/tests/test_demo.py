import pytest

from xietong.audit.services import SYSTEM
from xietong.lookup.demo import SECOND_BORROWER_NAME, seed
from xietong.lookup.models import OverdueDebt
from xietong.lookup.selectors import person_lookup_result

pytestmark = pytest.mark.django_db


def test_demo_seed_links_the_sick_borrowers_debts_and_adds_an_unsued_borrower(world):
    seed(actor=SYSTEM)
    sick = world.persons["borrower"]  # the principal of the illness authorisation in the test world
    linked = OverdueDebt.objects.filter(person=sick)
    assert {d.case_id for d in linked} == {world.cases["bank"].pk, world.cases["other_bank"].pk}
    for d in linked:
        assert (d.institution_id, d.principal, d.interest, d.penalty) == (
            d.case.institution_id,
            d.case.principal,
            d.case.interest,
            d.case.penalty,
        )
    fresh = OverdueDebt.objects.filter(person__name=SECOND_BORROWER_NAME)
    assert fresh.count() == 2  # the test world has two banks; the demo region gives three
    assert not fresh.filter(case__isnull=False).exists()
    result = person_lookup_result(actor=world.users["clerk"], id_number=fresh.first().person.id_number)
    assert result.cases == [] and not result.any_sued and len(result.openable) == 2

from decimal import Decimal

import pytest

from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.services import PersonParty, case_create
from xietong.core.errors import DomainError


@pytest.mark.parametrize(
    "principal,interest,penalty,total",
    [
        ("0.10", "0.20", "0", "0.30"),
        ("12345.67", "0.01", "0.02", "12345.70"),
        ("99999.99", "0.01", "0.00", "100000.00"),
        ("1", "2.3", "0", "3.30"),
    ],
)
def test_total_is_the_exact_decimal_sum(world, principal, interest, penalty, total):
    case = case_create(
        actor=world.users["clerk"],
        court=world.court,
        institution=world.bank,
        product=Product.CREDIT_CARD,
        door=Door.COUNTER,
        persons=[PersonParty(person=world.persons["other"], role=PartyRole.RESPONDENT)],
        principal=principal,
        interest=interest,
        penalty=penalty,
    )
    case.refresh_from_db()
    assert case.total == Decimal(total)
    assert case.principal + case.interest + case.penalty == case.total


@pytest.mark.parametrize("bad", ["-5", "1,2,3", "abc", "1e20", "2.345", "NaN", "Infinity", ""])
def test_bad_amounts_are_refused_with_a_clear_error(world, bad):
    with pytest.raises(DomainError):
        case_create(
            actor=world.users["clerk"],
            court=world.court,
            institution=world.bank,
            product=Product.CREDIT_CARD,
            door=Door.COUNTER,
            persons=[PersonParty(person=world.persons["other"], role=PartyRole.RESPONDENT)],
            principal=bad,
        )

"""Which cases each actor may see: the one rule behind every page and API route."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.services import api_client_create, api_client_revoke, organisation_create, user_create
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.models import Case, CaseParty
from xietong.cases.permissions import actor_role, may_see_personal_data, restrict_cases
from xietong.cases.selectors import case_by_number, case_get, case_list
from xietong.cases.services import PersonParty, case_assign_mediator, case_create
from xietong.core.errors import DomainError
from xietong.parties.models import Authorisation, Person

ALL = {"bank", "other_bank", "station", "other_court"}

# The world's cases: "bank" (court, the postal bank, borrower with relative as agent, mediator assigned),
# "other_bank" (court, the rural bank, borrower with relative as agent), "station" (court, the rural
# bank, a villager, filed by the station), "other_court" (the other court, the postal bank, another person).
EXPECTED: dict[str, set[str]] = {
    "admin": ALL,
    "clerk": {"bank", "other_bank", "station"},
    "judge": {"bank", "other_bank", "station"},
    "other_judge": {"other_court"},
    "mediator": {"bank"},
    "other_mediator": set(),
    "bank": {"bank", "other_court"},
    "other_bank": {"other_bank", "station"},
    "regulator": set(),
    "station": {"station"},
    "party": {"bank", "other_bank"},  # the relative, acting for the borrower
    "stranger": set(),
}


def visible(world, actor) -> set[str]:
    pks = set(Case.objects.restrict(actor).values_list("pk", flat=True))
    assert pks <= {c.pk for c in world.cases.values()}
    return {key for key, case in world.cases.items() if case.pk in pks}


def test_the_table_covers_every_user_of_the_world(world):
    assert set(EXPECTED) == set(world.users)


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_role_sees_exactly_its_cases(world, key):
    actor = world.users[key]
    assert visible(world, actor) == EXPECTED[key]
    # the selectors start from the same rule
    assert {c.pk for c in case_list(actor=actor)} == {world.cases[k].pk for k in EXPECTED[key]}
    for k, case in world.cases.items():
        assert (case_get(actor=actor, pk=case.pk) is not None) == (k in EXPECTED[key])
        assert (case_by_number(actor=actor, number=case.number) is not None) == (k in EXPECTED[key])


def test_an_api_client_sees_what_its_institution_is_party_to(world):
    assert visible(world, world.api_client) == {"bank", "other_court"}


def test_the_other_banks_api_client_sees_only_its_own(world):
    client, _ = api_client_create(actor=SYSTEM, organisation=world.other_bank, name="另一系统")
    assert visible(world, client) == {"other_bank", "station"}


def test_a_revoked_api_client_sees_nothing(world):
    api_client_revoke(actor=world.users["admin"], client=world.api_client)
    world.api_client.refresh_from_db()
    assert visible(world, world.api_client) == set()


@pytest.mark.parametrize("key", list(EXPECTED))
def test_an_inactive_user_sees_nothing(world, key):
    user = world.users[key]
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.refresh_from_db()
    assert visible(world, user) == set()


@pytest.mark.parametrize("actor", [AnonymousUser(), None, SYSTEM], ids=["anonymous", "none", "system"])
def test_anonymous_sees_nothing(world, actor):
    assert visible(world, actor) == set()
    assert list(case_list(actor=actor)) == []


def test_regulators_of_every_kind_see_no_case(world):
    for i, kind in enumerate(
        [
            OrganisationKind.PBOC_BRANCH,
            OrganisationKind.BANKING_REGULATOR,
            OrganisationKind.FINANCIAL_REGULATOR,
            OrganisationKind.JUSTICE_BUREAU,
        ]
    ):
        org = (
            world.regulator_org
            if kind == OrganisationKind.PBOC_BRANCH
            else organisation_create(actor=SYSTEM, kind=kind, name=f"监管{i}")
        )
        user = user_create(actor=SYSTEM, username=f"reg{i}", password=None, role=Role.REGULATOR, organisation=org)
        assert visible(world, user) == set()
        assert not may_see_personal_data(user)


def test_who_may_reveal_personal_data(world):
    assert not may_see_personal_data(world.users["regulator"])
    assert not may_see_personal_data(AnonymousUser())
    for key in ("admin", "clerk", "judge", "mediator", "bank", "station", "party"):
        assert may_see_personal_data(world.users[key])


# Parties ------------------------------------------------------------------------------------


def link(world, person_key: str, username: str):
    user = user_create(actor=SYSTEM, username=username, password=None, role=Role.PARTY)
    Person.objects.filter(pk=world.persons[person_key].pk).update(user=user)
    return user


def test_a_party_sees_the_cases_where_they_are_the_person(world):
    assert visible(world, link(world, "borrower", "borrower")) == {"bank", "other_bank"}
    assert visible(world, link(world, "villager", "villager")) == {"station"}
    assert visible(world, link(world, "other", "other")) == {"other_court"}


def test_a_party_sees_the_cases_where_they_act_as_agent_only_there(world):
    # The relative (world user "party") is agent on two of the borrower's cases; a new case of
    # the borrower without the relative acting is not theirs to see.
    extra = case_create(
        actor=SYSTEM,
        court=world.court,
        institution=world.bank,
        product=Product.CREDIT_CARD,
        door=Door.COUNTER,
        persons=[PersonParty(person=world.persons["borrower"], role=PartyRole.RESPONDENT)],
        principal=Decimal("100"),
    )
    pks = set(Case.objects.restrict(world.users["party"]).values_list("pk", flat=True))
    assert extra.pk not in pks
    assert pks == {world.cases["bank"].pk, world.cases["other_bank"].pk}
    borrower = link(world, "borrower", "borrower")
    assert extra.pk in set(Case.objects.restrict(borrower).values_list("pk", flat=True))


@pytest.mark.parametrize("end", ["revoked", "expired", "not yet valid"])
def test_an_agent_whose_authorisation_ended_no_longer_sees_the_cases(world, end):
    today = timezone.localdate()
    change = {
        "revoked": {"revoked_at": timezone.now()},
        "expired": {"valid_from": today - dt.timedelta(days=60), "valid_until": today - dt.timedelta(days=1)},
        "not yet valid": {"valid_from": today + dt.timedelta(days=1)},
    }[end]
    Authorisation.objects.filter(principal=world.persons["borrower"], agent=world.persons["relative"]).update(**change)
    assert visible(world, world.users["party"]) == set()
    # the borrower still sees their own cases
    assert visible(world, link(world, "borrower", "borrower")) == {"bank", "other_bank"}


def _case_for_villager(world, **party):
    return case_create(
        actor=SYSTEM,
        court=world.court,
        institution=world.bank,
        product=Product.CREDIT_CARD,
        door=Door.COUNTER,
        persons=[PersonParty(person=world.persons["villager"], role=PartyRole.RESPONDENT, **party)],
    )


def test_an_agent_without_an_authorisation_is_refused_at_intake(world):
    with pytest.raises(DomainError) as exc:
        _case_for_villager(world, agent=world.persons["relative"])
    assert exc.value.code == "no_authorisation"


def test_an_agent_under_someone_elses_authorisation_is_refused_at_intake(world):
    # The relative's authorisation is the borrower's; it does not let them act for the villager.
    auth = Authorisation.objects.get(principal=world.persons["borrower"], agent=world.persons["relative"])
    with pytest.raises(DomainError) as exc:
        _case_for_villager(world, agent=world.persons["relative"], authorisation=auth)
    assert exc.value.code == "no_authorisation"


@pytest.mark.parametrize("with_foreign_authorisation", [False, True])
def test_an_agent_row_without_a_fitting_authorisation_grants_nothing(world, with_foreign_authorisation):
    """Defence in depth: even a row written around the service does not widen what a relative sees."""
    case = _case_for_villager(world)
    auth = Authorisation.objects.get(principal=world.persons["borrower"], agent=world.persons["relative"])
    CaseParty.objects.filter(case=case, person=world.persons["villager"]).update(
        agent=world.persons["relative"], authorisation=auth if with_foreign_authorisation else None
    )
    assert case.pk not in set(Case.objects.restrict(world.users["party"]).values_list("pk", flat=True))


def test_a_party_without_a_person_record_sees_nothing(world):
    assert Person.objects.filter(user=world.users["stranger"]).count() == 0
    assert visible(world, world.users["stranger"]) == set()


def test_a_case_appears_once_even_with_several_matching_parties(world):
    # The relative is both a party and the agent on the same case.
    auth = Authorisation.objects.get(principal=world.persons["borrower"], agent=world.persons["relative"])
    case = case_create(
        actor=SYSTEM,
        court=world.court,
        institution=world.bank,
        product=Product.CREDIT_CARD,
        door=Door.ONLINE,
        persons=[
            PersonParty(
                person=world.persons["borrower"],
                role=PartyRole.RESPONDENT,
                agent=world.persons["relative"],
                authorisation=auth,
            ),
            PersonParty(person=world.persons["relative"], role=PartyRole.THIRD_PARTY),
        ],
    )
    for actor in (world.users["party"], world.users["bank"], world.users["admin"]):
        qs = Case.objects.restrict(actor).filter(pk=case.pk)
        assert qs.count() == 1
        assert len(list(qs)) == 1


# Assignments change what a mediator sees ------------------------------------------------------


def test_a_mediator_sees_a_case_once_assigned_and_not_after_reassignment(world):
    case = world.cases["other_bank"]
    other = world.users["other_mediator"]
    assert case.pk not in set(Case.objects.restrict(other).values_list("pk", flat=True))
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=other)
    assert visible(world, other) == {"other_bank"}
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    assert visible(world, other) == set()
    assert visible(world, world.users["mediator"]) == {"bank", "other_bank"}


def test_restrict_composes_with_other_filters(world):
    qs = Case.objects.filter(institution=world.other_bank).restrict(world.users["clerk"])
    assert {c.pk for c in qs} == {world.cases["other_bank"].pk, world.cases["station"].pk}
    qs = restrict_cases(Case.objects.filter(court=world.other_court), world.users["clerk"])
    assert list(qs) == []


def test_actor_role(world):
    assert actor_role(world.users["judge"]) == Role.JUDGE
    assert actor_role(world.api_client) == Role.INSTITUTION_OPERATOR
    assert actor_role(AnonymousUser()) is None
    assert actor_role(None) is None
    assert actor_role(SYSTEM) is None


# restrict(actor, action): "view" and "change" ------------------------------------------------


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_change_is_view_while_the_case_is_open_and_the_court_alone_once_it_has_ended(world, role):
    actor = world.users[role]
    ids = {k: c.pk for k, c in world.cases.items()}

    def keys(action):
        pks = set(Case.objects.restrict(actor, action).values_list("pk", flat=True))
        return {k for k, pk in ids.items() if pk in pks}

    assert keys("change") == keys("view") == EXPECTED[role]
    Case.objects.filter(pk__in=ids.values()).update(state="closed")
    court_side = role in ("admin", "clerk", "judge", "other_judge")
    assert keys("view") == EXPECTED[role]
    assert keys("change") == (EXPECTED[role] if court_side else set())


def test_an_unknown_action_is_refused_not_taken_for_view(world):
    with pytest.raises(ValueError, match="Unknown case action"):
        Case.objects.restrict(world.users["admin"], "delete")


def test_case_require_says_not_found_or_ended(world):
    from xietong.cases.permissions import case_require
    from xietong.core.errors import NotAllowed, NotFound

    case = world.cases["bank"]
    case_require(actor=world.users["bank"], case=case, action="change")
    with pytest.raises(NotFound):
        case_require(actor=world.users["other_bank"], case=case, action="view")
    Case.objects.filter(pk=case.pk).update(state="fulfilled")
    case_require(actor=world.users["bank"], case=case)
    with pytest.raises(NotAllowed) as exc:
        case_require(actor=world.users["bank"], case=case, action="change")
    assert exc.value.code == "case_ended"
    case_require(actor=world.users["clerk"], case=case, action="change")

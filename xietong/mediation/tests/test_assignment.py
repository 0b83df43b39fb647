from __future__ import annotations

import pytest

from tests.support.world import PASSWORD
from xietong.accounts.choices import Role
from xietong.accounts.services import user_create
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.mediation.models import Assignment, MediatorProfile
from xietong.mediation.selectors import mediator_loads, mediator_pool
from xietong.mediation.services import (
    case_specialties,
    mediation_assign,
    mediation_auto_assign,
    mediation_pick,
    mediator_profile_save,
)

pytestmark = pytest.mark.django_db


def _mediator(world, username, name, specialties, capacity=10, available=True):
    user = user_create(
        actor=world.users["admin"],
        username=username,
        password=PASSWORD,
        role=Role.MEDIATOR,
        organisation=world.mediation_org,
        full_name=name,
    )
    mediator_profile_save(
        actor=world.users["admin"],
        user=user,
        specialties=specialties,
        languages=["cmn"],
        capacity=capacity,
        is_available=available,
    )
    return user


def test_specialties_of_a_case_follow_product_and_green_category(world):
    assert case_specialties(world.cases["bank"]) == ["credit_card"]
    assert case_specialties(world.cases["other_bank"]) == ["credit_card", "rural_loan"]


def test_the_reason_is_shown_in_the_readers_language_not_the_writers(pool):
    from django.utils import translation

    with translation.override("zh-hans"):  # a clerk working in Chinese assigns by hand
        assignment = mediation_assign(
            actor=pool.users["clerk"], case=pool.cases["other_bank"], mediator=pool.users["other_mediator"]
        )
    assert assignment.reason == "手动：承办量 0/10"
    fresh = type(assignment).objects.get(pk=assignment.pk)
    with translation.override("en"):
        assert fresh.reason_text == "by hand: load 0/10"
    with translation.override("zh-hans"):
        assert fresh.reason_text == "手动：承办量 0/10"
    assert AuditEntry.objects.filter(action=AuditAction.MEDIATION_ASSIGN).get().after["reason"] == {
        "msgid": "by hand: load %(load)s/%(capacity)s",
        "params": {"load": 0, "capacity": 10},
    }


def test_auto_assign_picks_the_least_loaded_matching_mediator_and_says_why(pool):
    # mediator already has the bank's case (load 1/10); other_mediator has none.
    case = pool.cases["other_bank"]
    assignment = mediation_assign(actor=pool.users["clerk"], case=case)
    case.refresh_from_db()
    assert case.mediator == pool.users["other_mediator"]
    assert assignment.auto is True and assignment.previous is None
    assert assignment.reason == "auto: specialty credit card, load 0/10, least loaded of 2 matching"
    entry = AuditEntry.objects.filter(action=AuditAction.MEDIATION_ASSIGN).get()
    assert entry.after["auto"] is True and entry.after["mediator_id"] == pool.users["other_mediator"].pk


def test_load_is_measured_against_capacity(pool):
    # other_mediator: 0 open of 1 (0%), would win; give mediator capacity 100 (1%) and other_mediator 1 open of 2.
    admin = pool.users["admin"]
    mediation_assign(actor=admin, case=pool.cases["station"], mediator=pool.users["other_mediator"])
    mediator_profile_save(
        actor=admin, user=pool.users["mediator"], specialties=["credit_card"], languages=[], capacity=100
    )
    mediator_profile_save(
        actor=admin, user=pool.users["other_mediator"], specialties=["credit_card"], languages=[], capacity=2
    )
    pick = mediation_pick(pool.cases["other_bank"])
    assert pick.mediator == pool.users["mediator"]
    assert "load 1/100" in str(pick.reason)


def test_a_full_or_unavailable_mediator_is_skipped(pool):
    admin = pool.users["admin"]
    mediator_profile_save(
        actor=admin, user=pool.users["other_mediator"], specialties=["credit_card"], languages=[], capacity=0
    )
    assert mediation_pick(pool.cases["other_bank"]).mediator == pool.users["mediator"]
    mediator_profile_save(
        actor=admin,
        user=pool.users["mediator"],
        specialties=["credit_card"],
        languages=[],
        capacity=10,
        is_available=False,
    )
    with pytest.raises(DomainError) as exc:
        mediation_pick(pool.cases["other_bank"])
    assert exc.value.code == "no_capacity"


def test_capacity_reached_refuses_and_changes_nothing(pool):
    admin = pool.users["admin"]
    for key in ("mediator", "other_mediator"):
        mediator_profile_save(actor=admin, user=pool.users[key], specialties=["credit_card"], languages=[], capacity=1)
    mediation_assign(actor=admin, case=pool.cases["station"])  # other_mediator, now 1/1
    case = pool.cases["other_bank"]
    with pytest.raises(DomainError) as exc:
        mediation_assign(actor=admin, case=case)
    assert exc.value.code == "no_capacity"
    case.refresh_from_db()
    assert case.mediator is None
    assert not Assignment.objects.filter(case=case).exists()


def test_only_a_matching_specialty_is_chosen(pool):
    _mediator(pool, "m_mortgage", "按揭调解员", ["mortgage"])
    rural = _mediator(pool, "m_rural", "农贷调解员", ["rural_loan"], capacity=50)
    # The green case asks for credit card or rural loan: the rural specialist (0/50) wins; the mortgage one never.
    pick = mediation_pick(pool.cases["other_bank"])
    assert pick.mediator == rural
    assert "specialty rural loan" in str(pick.reason) and "of 3 matching" in str(pick.reason)
    # A plain credit-card case: never the rural or the mortgage specialist.
    assert mediation_pick(pool.cases["station"]).mediator == pool.users["other_mediator"]


def test_no_matching_mediator_refuses(world):
    _mediator(world, "m_mortgage", "按揭调解员", ["mortgage"])
    case = world.cases["other_bank"]
    with pytest.raises(DomainError) as exc:
        mediation_assign(actor=world.users["clerk"], case=case)
    assert exc.value.code == "no_matching_mediator"
    case.refresh_from_db()
    assert case.mediator is None and not Assignment.objects.exists()


def test_ties_go_to_the_name(pool):
    a = _mediator(pool, "m_a", "A 调解员", ["credit_card"])
    b = _mediator(pool, "m_b", "B 调解员", ["credit_card"])
    pick = mediation_pick(pool.cases["other_bank"])
    # other_mediator (调解员乙), A and B all stand at 0/10: "A 调解员" sorts first.
    assert pick.mediator == a and b != a


def test_reassignment_keeps_the_history(pool):
    case = pool.cases["other_bank"]
    clerk = pool.users["clerk"]
    first = mediation_assign(actor=clerk, case=case)
    second = mediation_assign(actor=clerk, case=case, mediator=pool.users["mediator"])
    assert second.previous == first.mediator and second.auto is False
    assert second.reason.startswith("by hand: load 1/10")
    history = list(Assignment.objects.filter(case=case).order_by("at", "pk"))
    assert [h.mediator for h in history] == [pool.users["other_mediator"], pool.users["mediator"]]
    case.refresh_from_db()
    assert case.mediator == pool.users["mediator"]
    assert case.events.filter(kind="mediator_assigned").count() == 2


def test_auto_assign_does_not_replace_a_mediator_and_same_mediator_is_refused(pool):
    case = pool.cases["bank"]
    with pytest.raises(DomainError) as exc:
        mediation_assign(actor=pool.users["clerk"], case=case)
    assert exc.value.code == "has_mediator"
    with pytest.raises(DomainError) as exc:
        mediation_assign(actor=pool.users["clerk"], case=case, mediator=pool.users["mediator"])
    assert exc.value.code == "same_mediator"
    assert not Assignment.objects.filter(case=case).exists()


@pytest.mark.parametrize("who", ["mediator", "judge", "bank", "party", "regulator"])
def test_only_staff_assign_and_a_refusal_changes_nothing(pool, who):
    case = pool.cases["other_bank"]
    with pytest.raises(NotAllowed):
        mediation_assign(actor=pool.users[who], case=case, mediator=pool.users["mediator"])
    case.refresh_from_db()
    assert case.mediator is None
    assert not Assignment.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.MEDIATION_ASSIGN).exists()


def test_a_clerk_cannot_assign_another_courts_case(pool):
    with pytest.raises(NotFound):
        mediation_assign(actor=pool.users["clerk"], case=pool.cases["other_court"], mediator=pool.users["mediator"])


def test_batch_auto_assign_reports_each_case(pool):
    _mediator(pool, "m_full", "满员调解员", ["credit_card"], capacity=0)
    results = mediation_auto_assign(
        actor=pool.users["admin"], cases=[pool.cases["other_bank"], pool.cases["station"], pool.cases["bank"]]
    )
    assert [bool(r.assignment) for r in results] == [True, True, False]
    assert "already has a mediator" in results[2].error
    loads = mediator_loads()
    assert loads[pool.users["mediator"].pk] + loads[pool.users["other_mediator"].pk] == 3
    assert max(loads.values()) == 2


def test_profile_is_kept_by_the_admin_only(world):
    with pytest.raises(NotAllowed):
        mediator_profile_save(
            actor=world.users["clerk"], user=world.users["mediator"], specialties=[], languages=[], capacity=5
        )
    with pytest.raises(DomainError):
        mediator_profile_save(
            actor=world.users["admin"], user=world.users["judge"], specialties=[], languages=[], capacity=5
        )
    with pytest.raises(DomainError):
        mediator_profile_save(
            actor=world.users["admin"], user=world.users["mediator"], specialties=["nope"], languages=[], capacity=5
        )
    assert not MediatorProfile.objects.exists()
    profile = mediator_profile_save(
        actor=world.users["admin"],
        user=world.users["mediator"],
        specialties=["credit_card", "rural_loan"],
        languages=["cmn", "id"],
        capacity=5,
    )
    assert profile.organisation == world.mediation_org
    assert profile.language_labels == ["Mandarin (普通话)", "Bahasa Indonesia"]
    assert AuditEntry.objects.filter(action=AuditAction.MEDIATOR_PROFILE).count() == 1


def test_pool_shows_load_and_overdue(pool):
    import datetime as dt

    from django.utils import timezone

    from xietong.cases.models import Case

    Case.objects.filter(pk=pool.cases["bank"].pk).update(submitted_at=timezone.now() - dt.timedelta(days=40))
    rows = {r.user.username: r for r in mediator_pool(actor=pool.users["admin"])}
    assert rows["mediator"].load == 1 and rows["mediator"].overdue == 1 and rows["mediator"].capacity == 10
    assert rows["other_mediator"].load == 0 and rows["other_mediator"].overdue == 0

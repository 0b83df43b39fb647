"""The declared case workflow, taken through its services: every transition, every refusal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.agreements import agreement_make_signed
from tests.support.judiciary import GUARDED as JUDICIAL
from tests.support.judiciary import confirm_case, file_case, judicial_step, prepare_transition, refuse_case, try_case
from tests.support.repayment import GUARDED as REPAYMENT
from tests.support.repayment import prepare_transition as repayment_prepare
from xietong.accounts.choices import Role
from xietong.accounts.services import user_create
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify
from xietong.cases import services
from xietong.cases.choices import CaseState, Door, NumberKind, PartyRole, Product
from xietong.cases.definitions import CLOSED_STATES as CLOSING_STATES
from xietong.cases.guards import actor_in_case_court, actor_is_case_mediator
from xietong.cases.models import Case, CaseEvent, CaseNumber
from xietong.cases.registry import Receiver, registry
from xietong.cases.services import (
    PersonParty,
    allowed_transitions,
    case_assign_mediator,
    case_create,
    case_transition,
)
from xietong.cases.workflow import TRANSITIONS, transitions_from
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.parties.models import Authorisation

S = CaseState
NOTE = "理由：当事人陈述"

# The world's user who acts in each role on a fresh case (which has every kind of party).
ROLE_ACTOR = {
    Role.CENTER_ADMIN: "admin",
    Role.CLERK: "clerk",
    Role.JUDGE: "judge",
    Role.MEDIATOR: "mediator",
    Role.INSTITUTION_OPERATOR: "bank",
    Role.STATION_AGENT: "station",
    Role.PARTY: "party",
    Role.REGULATOR: "regulator",
}

# A legal path from a fresh, submitted case (with its mediator assigned) to every state.
_MEDIATING = [("triage", "clerk"), ("start_mediation", "mediator")]
_FULFILLED = [
    *_MEDIATING,
    ("reach_agreement", "mediator"),
    ("confirm", "judge"),
    ("start_performance", "clerk"),
    ("fulfil", "bank"),
]
_TRIED = [*_MEDIATING, ("fail_mediation", "mediator"), ("file", "clerk"), ("try", "judge")]
PATHS: dict[str, list[tuple[str, str]]] = {
    S.SUBMITTED: [],
    S.TRIAGED: _MEDIATING[:1],
    S.MEDIATING: _MEDIATING,
    S.AGREEMENT: _FULFILLED[:3],
    S.CONFIRMED: _FULFILLED[:4],
    S.PERFORMING: _FULFILLED[:5],
    S.FULFILLED: _FULFILLED,
    S.FAILED: _TRIED[:3],
    S.FILED: _TRIED[:4],
    S.TRIED: _TRIED,
    S.ENFORCING: [*_TRIED, ("enforce", "judge")],
    S.CLOSED: [*_FULFILLED, ("close", "clerk")],
    S.WITHDRAWN: [("withdraw", "party")],
    S.REJECTED: [("reject", "clerk")],
}


@dataclass(frozen=True)
class Snapshot:
    state: str
    number: str | None
    closed_at: Any
    judge_id: int | None
    events: int
    numbers: int
    audit: int

    @classmethod
    def of(cls, case: Case) -> Snapshot:
        c = Case.objects.get(pk=case.pk)
        return cls(
            state=c.state,
            number=c.number,
            closed_at=c.closed_at,
            judge_id=c.judge_id,
            events=CaseEvent.objects.filter(case=c).count(),
            numbers=CaseNumber.objects.filter(case=c).count(),
            audit=AuditEntry.objects.count(),
        )


def new_case(world, *, mediator: bool = True, institution: Any = "bank") -> Case:
    """A case every role can reach: the bank is a party, filed by the station, the party user acts as agent."""
    auth = Authorisation.objects.get(principal=world.persons["borrower"], agent=world.persons["relative"])
    case = case_create(
        actor=SYSTEM,
        court=world.court,
        institution=world.bank if institution == "bank" else institution,
        product=Product.CREDIT_CARD,
        door=Door.STATION,
        station=world.station,
        persons=[
            PersonParty(
                person=world.persons["borrower"],
                role=PartyRole.RESPONDENT,
                agent=world.persons["relative"],
                authorisation=auth,
            )
        ],
        principal=Decimal("30000"),
        interest=Decimal("1200.5"),
    )
    if mediator:
        case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    return Case.objects.get(pk=case.pk)


def reach(world, state: str, **kw: Any) -> Case:
    case = new_case(world, **kw)
    for code, who in PATHS[state]:
        if code == "reach_agreement":  # every party signs (xietong/agreements); the last signature takes it
            agreement_make_signed(case, world.users[who])
            continue
        if code in JUDICIAL:  # review + ruling, filing request, hearing + outcome (xietong/judiciary)
            judicial_step(case, code, world.users[who], clerk=world.users["clerk"])
            continue
        if code in REPAYMENT:  # the creditor's application for enforcement, accepted (xietong/repayment)
            repayment_prepare(case, code, world.users[who])
        case_transition(case=case, code=code, actor=world.users[who], note=NOTE)
    case.refresh_from_db()
    assert case.state == state
    return case


def assert_unchanged(case: Case, before: Snapshot) -> None:
    assert Snapshot.of(case) == before


def service_for(code: str):
    return getattr(services, f"case_{code}")


def legal_triples() -> list[tuple[str, str, str]]:
    return [
        (t.code, str(src), str(role))
        for t in TRANSITIONS.values()
        for src in sorted(t.sources)
        for role in sorted(t.roles)
    ]


# The table itself ---------------------------------------------------------------------------


def test_paths_cover_every_state():
    assert set(PATHS) == set(CaseState.values)
    for state, path in PATHS.items():
        current = S.SUBMITTED
        for code, _ in path:
            assert current in TRANSITIONS[code].sources
            current = TRANSITIONS[code].target
        assert current == state


def test_every_transition_has_its_own_service():
    for code in TRANSITIONS:
        assert callable(service_for(code)), code


def test_every_role_in_the_table_has_an_actor_here():
    assert set().union(*(t.roles for t in TRANSITIONS.values())) <= set(ROLE_ACTOR)


def test_transitions_from_lists_the_declared_sources():
    for state in CaseState.values:
        assert {t.code for t in transitions_from(state)} == {c for c, t in TRANSITIONS.items() if state in t.sources}
    for state in (S.CLOSED, S.WITHDRAWN, S.REJECTED):
        assert transitions_from(state) == []


# Every legal transition, with every role granted it -----------------------------------------


@pytest.mark.parametrize(("code", "source", "role"), legal_triples())
def test_a_legal_transition_succeeds_and_is_recorded(world, code, source, role):
    t = TRANSITIONS[code]
    case = reach(world, source)
    actor = world.users[ROLE_ACTOR[role]]
    if code in JUDICIAL:  # what the judiciary's service records before the step: review, request, outcome
        prepare_transition(case, code, actor)
    if code in REPAYMENT:
        repayment_prepare(case, code, actor)
    before = Snapshot.of(case)

    result = service_for(code)(case=case, actor=actor, note="  " + NOTE + "  ")

    case.refresh_from_db()
    assert result.pk == case.pk
    assert case.state == t.target == result.state
    after = Snapshot.of(case)

    # the timeline
    assert after.events == before.events + 1
    event = CaseEvent.objects.filter(case=case).latest("pk")
    assert (event.kind, event.from_state, event.to_state) == (code, source, t.target)
    assert event.actor_label == actor.audit_label
    assert event.note == NOTE  # stripped

    # the audit trail
    assert after.audit == before.audit + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == AuditAction.CASE_TRANSITION
    assert (entry.object_type, entry.object_id) == ("cases.case", str(case.pk))
    assert (entry.actor_kind, entry.actor_id) == ("user", actor.pk)
    assert entry.before["state"] == source
    assert entry.after["state"] == t.target
    assert entry.after["transition"] == code
    assert entry.after["note"] == NOTE

    # the number it issues, if any
    if t.issues_number:
        assert after.numbers == before.numbers + 1
        newest = CaseNumber.objects.filter(case=case).latest("pk")
        assert newest.kind == t.issues_number
        assert newest.court_id == case.court_id
        assert case.number == newest.text != before.number
        assert event.data["number"] == newest.text
        assert entry.after["number"] == newest.text
    else:
        assert after.numbers == before.numbers
        assert case.number == before.number

    # closing
    if t.target in CLOSING_STATES:
        assert case.closed_at is not None
        if before.closed_at is not None:
            assert case.closed_at == before.closed_at  # the first closing counts
    else:
        assert case.closed_at is None

    if code in ("confirm", "try"):
        assert case.judge_id == actor.pk
    else:
        assert case.judge_id == before.judge_id

    assert audit_verify()[1] is None


@pytest.mark.parametrize("code", [c for c, t in TRANSITIONS.items() if t.system_may])
def test_the_system_may_take_the_steps_declared_for_it(world, code):
    t = TRANSITIONS[code]
    case = reach(world, sorted(t.sources)[0])
    if code == "reach_agreement":  # taken by the system when the last party signs
        agreement_make_signed(case, world.users["mediator"])
    else:
        service_for(code)(case=case, actor=SYSTEM)
    case.refresh_from_db()
    assert case.state == t.target
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.actor_kind == "system"
    assert CaseEvent.objects.filter(case=case).latest("pk").actor_label == "system"


@pytest.mark.parametrize("code", [c for c, t in TRANSITIONS.items() if not t.system_may])
def test_the_system_may_not_take_the_other_steps(world, code):
    t = TRANSITIONS[code]
    case = reach(world, sorted(t.sources)[0])
    before = Snapshot.of(case)
    with pytest.raises(NotAllowed) as exc:
        case_transition(case=case, code=code, actor=SYSTEM, note=NOTE)
    assert exc.value.code == "not_system"
    assert_unchanged(case, before)


def test_an_api_client_of_the_bank_may_mark_its_case_fulfilled(world):
    case = reach(world, S.PERFORMING)
    services.case_fulfil(case=case, actor=world.api_client)
    case.refresh_from_db()
    assert case.state == S.FULFILLED
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.actor_kind, entry.actor_id, entry.organisation_id) == (
        "api_client",
        world.api_client.pk,
        world.bank.pk,
    )
    assert CaseEvent.objects.filter(case=case).latest("pk").actor_label == world.api_client.audit_label


def test_the_case_may_be_given_by_its_primary_key(world):
    case = reach(world, S.SUBMITTED)
    result = case_transition(case=case.pk, code="triage", actor=world.users["clerk"])
    assert result.state == S.TRIAGED
    assert Case.objects.get(pk=case.pk).state == S.TRIAGED


# Illegal transitions ------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(TRANSITIONS))
def test_a_transition_from_a_wrong_state_raises_and_changes_nothing(world, code):
    t = TRANSITIONS[code]
    role = next((r for r in ROLE_ACTOR if r in t.roles), None)
    actor = world.users[ROLE_ACTOR[role]] if role else SYSTEM  # reach_agreement: the system only
    wrong_states = [s for s in CaseState.values if s not in t.sources]
    assert wrong_states
    for state in wrong_states:
        case = reach(world, state)
        before = Snapshot.of(case)
        with pytest.raises(DomainError) as exc:
            service_for(code)(case=case, actor=actor, note=NOTE)
        assert exc.value.code == "illegal_transition", (code, state, exc.value.code)
        assert not isinstance(exc.value, NotAllowed)
        assert_unchanged(case, before)
    assert audit_verify()[1] is None


def test_a_stale_case_object_does_not_fool_the_state_check(world):
    case = reach(world, S.SUBMITTED)
    stale = Case.objects.get(pk=case.pk)
    case_transition(case=case, code="triage", actor=world.users["clerk"])
    assert stale.state == S.SUBMITTED
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        case_transition(case=stale, code="triage", actor=world.users["clerk"])
    assert exc.value.code == "illegal_transition"
    assert_unchanged(case, before)


def test_an_unknown_step_raises(world):
    case = reach(world, S.SUBMITTED)
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        case_transition(case=case, code="teleport", actor=world.users["admin"])
    assert exc.value.code == "unknown_transition"
    assert_unchanged(case, before)


def test_a_missing_case_raises_not_found(world):
    with pytest.raises(NotFound):
        case_transition(case=10**9, code="triage", actor=world.users["admin"])


# Roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(TRANSITIONS))
def test_a_role_not_granted_the_step_is_refused(world, code):
    t = TRANSITIONS[code]
    case = reach(world, sorted(t.sources)[0])
    before = Snapshot.of(case)
    refused = [key for role, key in ROLE_ACTOR.items() if role not in t.roles]
    assert refused
    for key in refused:
        with pytest.raises(NotAllowed) as exc:
            service_for(code)(case=case, actor=world.users[key], note=NOTE)
        assert exc.value.code == "role", (code, key)
    if Role.INSTITUTION_OPERATOR not in t.roles:
        with pytest.raises(NotAllowed):
            service_for(code)(case=case, actor=world.api_client, note=NOTE)
    assert_unchanged(case, before)


def test_an_inactive_user_is_refused(world):
    case = reach(world, S.SUBMITTED)
    clerk = world.users["clerk"]
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    before = Snapshot.of(case)
    with pytest.raises(NotAllowed):
        services.case_triage(case=case, actor=clerk)
    assert_unchanged(case, before)


def test_a_revoked_api_client_is_refused(world):
    from xietong.accounts.services import api_client_revoke

    case = reach(world, S.PERFORMING)
    api_client_revoke(actor=world.users["admin"], client=world.api_client)
    before = Snapshot.of(case)
    with pytest.raises(DomainError):
        services.case_fulfil(case=case, actor=world.api_client)
    assert_unchanged(case, before)


# Notes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [c for c, t in TRANSITIONS.items() if t.note_required])
@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_a_step_that_needs_a_reason_refuses_an_empty_note(world, code, note):
    t = TRANSITIONS[code]
    case = reach(world, sorted(t.sources)[0])
    role = next(r for r in ROLE_ACTOR if r in t.roles)
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        service_for(code)(case=case, actor=world.users[ROLE_ACTOR[role]], note=note)
    assert exc.value.code == "note_required"
    assert_unchanged(case, before)


def test_steps_without_a_required_note_accept_none():
    assert {c for c, t in TRANSITIONS.items() if t.note_required} == {
        "refuse_confirmation",
        "fail_mediation",
        "withdraw",
        "reject",
    }


# Guards -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "code"),
    [(S.AGREEMENT, "confirm"), (S.FILED, "try"), (S.FAILED, "file"), (S.CONFIRMED, "start_performance")],
)
def test_a_judge_of_another_court_is_refused(world, state, code):
    case = reach(world, state)
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        case_transition(case=case, code=code, actor=world.users["other_judge"], note=NOTE)
    assert exc.value.code in ("not_found", "other_court")
    assert_unchanged(case, before)


def test_a_clerk_of_another_court_is_refused(world):
    clerk = user_create(
        actor=SYSTEM, username="clerk_b", password=None, role=Role.CLERK, organisation=world.other_court
    )
    case = reach(world, S.SUBMITTED)
    before = Snapshot.of(case)
    with pytest.raises(DomainError):
        services.case_triage(case=case, actor=clerk)
    assert_unchanged(case, before)


def test_the_court_guard_itself_names_the_other_court(world):
    case = reach(world, S.AGREEMENT)
    with pytest.raises(NotAllowed) as exc:
        actor_in_case_court(case, world.users["other_judge"], "")
    assert exc.value.code == "other_court"
    actor_in_case_court(case, world.users["judge"], "")  # does not raise
    actor_in_case_court(case, world.users["admin"], "")  # the center admin is not a court's staff member


@pytest.mark.parametrize(
    ("state", "code"),
    [(S.TRIAGED, "start_mediation"), (S.MEDIATING, "fail_mediation")],
)
def test_a_mediator_not_assigned_to_the_case_is_refused(world, state, code):
    case = reach(world, state)
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        case_transition(case=case, code=code, actor=world.users["other_mediator"], note=NOTE)
    assert exc.value.code in ("not_found", "not_case_mediator")
    assert_unchanged(case, before)


def test_the_mediator_guard_itself(world):
    case = reach(world, S.MEDIATING)
    with pytest.raises(NotAllowed) as exc:
        actor_is_case_mediator(case, world.users["other_mediator"], "")
    assert exc.value.code == "not_case_mediator"
    actor_is_case_mediator(case, world.users["mediator"], "")
    actor_is_case_mediator(case, world.users["clerk"], "")  # the guard is about mediators only


@pytest.mark.parametrize("who", ["clerk", "admin"])
def test_mediation_does_not_start_without_a_mediator(world, who):
    case = reach(world, S.TRIAGED, mediator=False)
    assert case.mediator_id is None
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        services.case_start_mediation(case=case, actor=world.users[who])
    assert exc.value.code == "no_mediator"
    assert_unchanged(case, before)
    # with a mediator it does
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    services.case_start_mediation(case=case, actor=world.users[who])
    assert Case.objects.get(pk=case.pk).state == S.MEDIATING


def test_a_case_without_an_institution_cannot_be_filed(world):
    case = reach(world, S.FAILED, institution=None)
    before = Snapshot.of(case)
    with pytest.raises(DomainError) as exc:
        services.case_file(case=case, actor=world.users["clerk"])
    assert exc.value.code == "no_institution"
    assert_unchanged(case, before)


# Numbers issued by transitions ----------------------------------------------------------------


def number_text(world, kind: str, seq: int) -> str:
    return f"（{timezone.localdate().year}）{world.court.court_code}{kind}{seq}号"


def kinds_of(case: Case) -> list[str]:
    return list(CaseNumber.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


def test_confirm_issues_a_confirmation_number(world):
    case = reach(world, S.CONFIRMED)
    assert kinds_of(case) == [NumberKind.PRE_MEDIATION, NumberKind.CONFIRMATION]
    assert case.number == number_text(world, "民特", 1)
    assert case.judge == world.users["judge"]


def test_file_issues_a_first_instance_number(world):
    case = reach(world, S.FILED)
    assert kinds_of(case) == [NumberKind.PRE_MEDIATION, NumberKind.FIRST_INSTANCE]
    assert case.number == number_text(world, "民初", 1)


@pytest.mark.parametrize("source", [S.PERFORMING, S.TRIED])
def test_enforce_issues_an_enforcement_number_and_keeps_the_history(world, source):
    case = reach(world, source)
    previous = case.number
    repayment_prepare(case, "enforce", world.users["judge"])
    services.case_enforce(case=case, actor=world.users["judge"])
    case.refresh_from_db()
    assert case.number == number_text(world, "执", 1)
    history = list(CaseNumber.objects.filter(case=case).order_by("pk").values_list("text", flat=True))
    assert history[-2:] == [previous, case.number]
    assert history[0].startswith(f"（{timezone.localdate().year}）闽0802民诉前调")


def test_numbers_of_the_same_kind_count_up_across_cases(world):
    a = reach(world, S.CONFIRMED)
    b = reach(world, S.CONFIRMED)
    assert (a.number, b.number) == (number_text(world, "民特", 1), number_text(world, "民特", 2))


# Whole paths --------------------------------------------------------------------------------


def event_trail(case: Case) -> list[tuple[str, str, str]]:
    return list(
        CaseEvent.objects.filter(case=case)
        .exclude(kind="mediator_assigned")
        .exclude(kind__startswith="agreement_")
        .order_by("pk")
        .values_list("kind", "from_state", "to_state")
    )


def test_the_mediated_path_to_closure(world):
    u = world.users
    case = new_case(world)
    steps = [
        (services.case_triage, u["clerk"], S.TRIAGED),
        (services.case_start_mediation, u["mediator"], S.MEDIATING),
        (lambda case, actor: agreement_make_signed(case, actor), u["mediator"], S.AGREEMENT),
        (lambda case, actor: confirm_case(case, actor), u["judge"], S.CONFIRMED),  # review, then confirm
        (services.case_start_performance, u["clerk"], S.PERFORMING),
        (services.case_fulfil, u["bank"], S.FULFILLED),
        (services.case_close, u["clerk"], S.CLOSED),
    ]
    audit_before = AuditEntry.objects.count()
    fulfilled_at = None
    for service, actor, target in steps:
        service(case=case, actor=actor)
        case.refresh_from_db()
        assert case.state == target
        if target == S.FULFILLED:
            fulfilled_at = case.closed_at
            assert fulfilled_at is not None
        elif target != S.CLOSED:
            assert case.closed_at is None
    assert case.closed_at == fulfilled_at
    assert event_trail(case) == [
        ("created", "", "submitted"),
        ("triage", "submitted", "triaged"),
        ("start_mediation", "triaged", "mediating"),
        ("reach_agreement", "mediating", "agreement"),
        ("confirm", "agreement", "confirmed"),
        ("ruling_issued", "", ""),
        ("start_performance", "confirmed", "performing"),
        ("fulfil", "performing", "fulfilled"),
        ("close", "fulfilled", "closed"),
    ]
    assert kinds_of(case) == [NumberKind.PRE_MEDIATION, NumberKind.CONFIRMATION]
    signing = AuditEntry.objects.filter(action__startswith="agreement.").count()  # draft, send, signatures, freeze
    judicial = AuditEntry.objects.filter(action__startswith="judiciary.").count()  # the review and the ruling
    assert judicial == 2
    assert AuditEntry.objects.count() == audit_before + len(steps) + signing + judicial
    assert transitions_from(case.state) == []
    assert allowed_transitions(case=case, actor=u["admin"]) == []
    assert audit_verify()[1] is None


def test_the_failed_mediation_path_to_trial_and_closure(world):
    u = world.users
    case = new_case(world)
    services.case_triage(case=case, actor=u["clerk"])
    services.case_start_mediation(case=case, actor=u["mediator"])
    services.case_fail_mediation(case=case, actor=u["mediator"], note="被申请人拒绝还款方案")
    file_case(case, u["clerk"])  # the plaintiff's request, then the filing (xietong/judiciary)
    try_case(case, u["judge"], u["clerk"])  # hearing, its notice served, held, judgment
    case.refresh_from_db()
    assert case.closed_at is None
    assert case.judge == u["judge"]
    services.case_close(case=case, actor=u["judge"])
    case.refresh_from_db()
    assert case.state == S.CLOSED
    assert case.closed_at is not None
    assert [k for k, _, to in event_trail(case) if to] == [
        "created",
        "triage",
        "start_mediation",
        "fail_mediation",
        "file",
        "try",
        "close",
    ]
    assert CaseEvent.objects.get(case=case, kind="fail_mediation").note == "被申请人拒绝还款方案"
    assert kinds_of(case) == [NumberKind.PRE_MEDIATION, NumberKind.FIRST_INSTANCE]
    assert case.number == number_text(world, "民初", 1)
    assert audit_verify()[1] is None


def test_a_refused_confirmation_goes_back_to_mediation_and_may_be_confirmed_later(world):
    u = world.users
    case = reach(world, S.AGREEMENT)
    refuse_case(case, u["judge"], "还款计划违反法律规定")
    assert Case.objects.get(pk=case.pk).state == S.MEDIATING
    agreement_make_signed(case, u["mediator"])
    confirm_case(case, u["judge"])
    case.refresh_from_db()
    assert case.state == S.CONFIRMED
    assert kinds_of(case) == [NumberKind.PRE_MEDIATION, NumberKind.CONFIRMATION]


@pytest.mark.parametrize(
    ("state", "code", "who"),
    [(S.SUBMITTED, "withdraw", "bank"), (S.MEDIATING, "withdraw", "station"), (S.TRIAGED, "reject", "admin")],
)
def test_early_endings_set_closed_at(world, state, code, who):
    case = reach(world, state)
    service_for(code)(case=case, actor=world.users[who], note=NOTE)
    case.refresh_from_db()
    assert case.state == TRANSITIONS[code].target
    assert case.closed_at is not None
    assert case.closed_at <= timezone.now()


# Buttons and side effects --------------------------------------------------------------------


class Rollback(Exception):
    pass


@pytest.mark.parametrize("state", [S.SUBMITTED, S.TRIAGED, S.MEDIATING, S.AGREEMENT, S.PERFORMING, S.TRIED])
def test_allowed_transitions_are_exactly_those_that_succeed(world, state):
    case = reach(world, state)
    actors = [*world.users.values(), world.api_client, SYSTEM]
    for actor in actors:
        offered = {t.code for t in allowed_transitions(case=case, actor=actor)}
        succeeded = set()
        for code in TRANSITIONS:
            try:
                with transaction.atomic():
                    case_transition(case=case.pk, code=code, actor=actor, note=NOTE)
                    raise Rollback
            except Rollback:
                succeeded.add(code)
            except DomainError:
                pass
        assert offered == succeeded, getattr(actor, "username", actor)
        assert Case.objects.get(pk=case.pk).state == state


def test_receivers_run_after_commit_only(world, monkeypatch, django_capture_on_commit_callbacks):
    calls: list[tuple[int, str, str, str]] = []
    monkeypatch.setattr(registry.receivers, "_items", {"test": Receiver(one=lambda *a: calls.append(a))})
    case = reach(world, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.case_triage(case=case, actor=world.users["clerk"])
        assert calls == []  # not before the commit
    assert len(callbacks) == 1
    assert calls == [(case.pk, "triage", "submitted", "triaged")]

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(DomainError):
        services.case_triage(case=case, actor=world.users["clerk"])
    assert callbacks == []
    assert len(calls) == 1

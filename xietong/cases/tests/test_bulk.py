"""Opening cases in bulk: the rules of `case_create`, the transition's table, steps, audit, receivers.

What each case gets, compared row by row with a case opened alone, is the contract test of the
batch import (xietong/batches/tests/test_contract.py); here, the function's own rules.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify
from xietong.cases.bulk import NewCase, cases_create_bulk
from xietong.cases.choices import CaseState, Door, NumberKind, PartyRole
from xietong.cases.models import Case, CaseEvent, CaseNumber
from xietong.cases.registry import Receiver, registry
from xietong.core.errors import DomainError
from xietong.parties.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def disputes(world, n: int = 3, **over) -> list[NewCase]:
    """n disputes, each of a new person."""
    base = {
        "product": "credit_card",
        "principal": Decimal("100.10"),
        "interest": Decimal("2.20"),
        "penalty": Decimal("0.30"),
        "channel": "mediable",
        "track": "normal",
    }
    people = PersonFactory.create_batch(n)
    return [NewCase(respondent_id=p.pk, facts=f"第{k}笔", **(base | over)) for k, p in enumerate(people)]


def create(world, items, **kw):
    args = {
        "actor": world.users["bank"],
        "court": world.court,
        "institution": world.bank,
        "door": Door.BATCH,
        "disputes": items,
    } | kw
    with transaction.atomic():
        return cases_create_bulk(**args)


def test_each_case_is_opened_with_its_parties_number_and_event_in_order(world):
    items = disputes(world, 3)
    done = create(world, items)
    cases = list(Case.objects.filter(pk__in=done.case_ids).order_by("pk"))
    assert [c.pk for c in cases] == done.case_ids
    assert [c.number for c in cases] == done.numbers.texts
    assert list(done.numbers.seqs) == [done.numbers.first + k for k in range(3)]
    assert [c.facts for c in cases] == ["第0笔", "第1笔", "第2笔"]
    for c, dispute in zip(cases, items, strict=True):
        assert c.state == CaseState.SUBMITTED and c.total == Decimal("102.60")
        assert c.created_by == world.users["bank"]
        assert sorted(c.parties.values_list("role", "person_id", "organisation_id")) == [
            (PartyRole.APPLICANT, None, world.bank.pk),
            (PartyRole.RESPONDENT, dispute.respondent_id, None),
        ]
        (number,) = CaseNumber.objects.filter(case=c)
        assert (number.kind, number.text) == (NumberKind.PRE_MEDIATION, c.number)
        assert list(c.events.values_list("kind", "to_state", "data")) == [
            ("created", CaseState.SUBMITTED, {"number": c.number, "door": Door.BATCH})
        ]


def test_a_transition_taken_at_once_follows_the_table_and_reaches_the_receivers_after_commit(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setitem(registry.receivers._items, "probe", Receiver(one=lambda *a: calls.append(("one", *a))))
    monkeypatch.setitem(
        registry.receivers._items,
        "probe_many",
        Receiver(one=lambda *a: calls.append(("bad", *a)), many=lambda *a: calls.append(("many", *a))),
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = create(world, disputes(world, 2), transition="triage")
    assert done.state == CaseState.TRIAGED
    events = CaseEvent.objects.filter(case_id__in=done.case_ids, kind="triage")
    assert sorted(events.values_list("case_id", "from_state", "to_state", "actor_label")) == [
        (pk, CaseState.SUBMITTED, CaseState.TRIAGED, SYSTEM.label) for pk in done.case_ids
    ]
    step = ("triage", CaseState.SUBMITTED, CaseState.TRIAGED)
    assert ("many", done.case_ids, *step) in calls
    assert [c for c in calls if c[0] == "one"] == [("one", pk, *step) for pk in done.case_ids]
    assert not [c for c in calls if c[0] == "bad"]


@pytest.mark.parametrize("code", ["start_mediation", "confirm", "withdraw", "no_such_step"])
def test_only_a_first_step_the_system_may_take_is_taken_in_bulk(world, code):
    before = Case.objects.count()
    with pytest.raises((ValueError, DomainError)):
        create(world, disputes(world, 1), transition=code)
    assert Case.objects.count() == before


def test_the_transitions_guards_are_asked_for_every_case(world, monkeypatch):
    seen = []

    def guard(case, actor, note):
        seen.append((case.court_id, case.institution_id, case.total, actor))
        if case.total > 1000:
            raise DomainError("too much", code="probe")

    monkeypatch.setitem(registry.guards._items, "cases.court", guard)
    items = disputes(world, 2) + disputes(world, 1, principal=Decimal("5000"))
    before = Case.objects.count()
    with pytest.raises(DomainError):
        create(world, items, transition="triage")
    assert Case.objects.count() == before
    assert seen[:2] == [(world.court.pk, world.bank.pk, Decimal("102.60"), SYSTEM)] * 2


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"court": "bank"}, "not_a_court"),
        ({"institution": "court"}, "not_an_institution"),
        ({"door": "pigeon"}, "door"),
    ],
)
def test_the_rules_of_case_create_hold(world, over, code):
    kw = {k: (getattr(world, v) if k != "door" else v) for k, v in over.items()}
    with pytest.raises(DomainError) as exc:
        create(world, disputes(world, 1), **kw)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("over", "code"), [({"product": "spaceship"}, "product"), ({"penalty": Decimal("-1")}, "amount_negative")]
)
def test_a_bad_dispute_refuses_the_whole_call(world, over, code):
    before = Case.objects.count()
    with pytest.raises(DomainError) as exc:
        create(world, disputes(world, 2) + disputes(world, 1, **over))
    assert exc.value.code == code and Case.objects.count() == before


def test_steps_write_in_the_same_transaction_and_are_named_in_one_audit_entry(world):
    seen = []

    def step(case_ids):
        seen.append(list(case_ids))
        return {"probe_rows": len(case_ids)}

    items = disputes(world, 3)
    start = AuditEntry.objects.count()
    done = create(world, items, transition="triage", steps=[step])
    assert seen == [done.case_ids] and done.written == {"probe_rows": 3}
    (entry,) = AuditEntry.objects.order_by("seq")[start:]
    assert entry.action == AuditAction.CASE_CREATE_BULK and entry.actor_id == world.users["bank"].pk
    assert entry.after["case_ids"] == done.case_ids and entry.after["count"] == 3
    assert (entry.after["first_number"], entry.after["last_number"]) == (done.first_number, done.last_number)
    assert entry.after["first_seq"] == done.numbers.first and entry.after["probe_rows"] == 3
    assert audit_verify()[1] is None


def test_a_failing_step_leaves_nothing(world):
    def step(case_ids):
        raise DomainError("no", code="probe")

    items = disputes(world, 2)
    before = (Case.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError):
        create(world, items, steps=[step])
    assert (Case.objects.count(), AuditEntry.objects.count()) == before


def test_nothing_to_open_takes_no_number(world):
    before = Case.objects.count()
    done = create(world, [], transition="triage")
    assert done.case_ids == [] and done.first_number == done.last_number == ""
    assert Case.objects.count() == before


def test_receivers_learn_of_many_cases_in_chunks_a_query_can_hold(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """A receiver's `many` gets at most NOTIFY_CHUNK cases a call (PostgreSQL takes at most 65,535
    parameters in a statement: 98,000 case ids in one query failed); a failing chunk spoils no other."""
    from xietong.cases import services

    monkeypatch.setattr(services, "NOTIFY_CHUNK", 2)
    chunks: list[list[int]] = []

    def many(ids, *step):
        chunks.append(list(ids))
        if len(chunks) == 1:
            raise RuntimeError("the first chunk fails")

    monkeypatch.setitem(registry.receivers._items, "probe", Receiver(one=lambda *a: None, many=many))
    with django_capture_on_commit_callbacks(execute=True):
        done = create(world, disputes(world, 5), transition="triage")
    assert chunks == [done.case_ids[0:2], done.case_ids[2:4], done.case_ids[4:5]]

"""service_satisfied (the guard of steps that need service) and the failure figures per institution."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from xietong.service.choices import AttemptMethod, DocumentKind, Outcome
from xietong.service.selectors import (
    address_defects_by_institution,
    failures_by_institution,
    failures_by_month,
    failures_scope,
    service_satisfied,
    service_status,
)
from xietong.service.services import service_alternative_record, service_attempt_record, service_send

from .conftest import PDF, on_file, org_party, person_party

pytestmark = pytest.mark.django_db


def send(world, case_key="bank", kind=DocumentKind.HEARING_NOTICE, title="开庭传票"):
    return service_send(
        actor=world.users["clerk"] if case_key != "other_court" else world.users["other_judge"],
        case=world.cases[case_key],
        kind=kind,
        title=title,
        content=PDF,
        filename="x.pdf",
    )


def deliver(world, record, outcome=Outcome.DELIVERED, actor="clerk"):
    return service_attempt_record(actor=world.users[actor], record=record, method=AttemptMethod.POSTAL, outcome=outcome)


def test_service_satisfied_truth_table(world):
    case = world.cases["bank"]
    on_file(person_party(case).person)
    kind = DocumentKind.HEARING_NOTICE
    assert service_satisfied(case, kind) is False  # no such document
    doc = send(world)
    person = doc.records.get(recipient=person_party(case))
    org = doc.records.get(recipient=org_party(case))
    assert service_satisfied(case, kind) is False  # both pending
    deliver(world, person)
    assert service_satisfied(case, kind) is False  # the institution not yet
    service_attempt_record(
        actor=world.users["clerk"], record=org, method=AttemptMethod.IN_PERSON, outcome=Outcome.DELIVERED
    )
    assert service_satisfied(case, kind) is True
    assert service_satisfied(case.pk, kind) is True
    assert service_satisfied(case, DocumentKind.JUDGMENT) is False  # another kind does not count
    # A newer notice (a new hearing date) must be served again.
    newer = send(world, title="开庭传票（改期）")
    assert service_satisfied(case, kind) is False
    p2 = newer.records.get(recipient=person_party(case))
    o2 = newer.records.get(recipient=org_party(case))
    deliver(world, p2, Outcome.MOVED)
    service_attempt_record(
        actor=world.users["clerk"], record=o2, method=AttemptMethod.IN_PERSON, outcome=Outcome.DELIVERED
    )
    assert service_satisfied(case, kind) is False  # one failed
    service_alternative_record(actor=world.users["judge"], record=p2, kind="announcement", reason="下落不明")
    assert service_satisfied(case, kind) is True  # served, or an alternative applies
    assert service_satisfied(world.cases["other_bank"], kind) is False  # per case


def test_service_status_lists_documents_with_records_and_attempts(world):
    case = world.cases["bank"]
    send(world, kind=DocumentKind.NOTICE, title="一")
    send(world, kind=DocumentKind.RULING, title="二")
    docs = service_status(case)
    assert [d.title for d in docs] == ["二", "一"]
    assert all(len(d.records.all()) == 2 for d in docs)


def _fail(world, case_key, outcome, *, actor="clerk"):
    case = world.cases[case_key]
    party = person_party(case)
    if not party.person.addresses.exists():
        on_file(party.person)
    doc = send(world, case_key=case_key, kind=DocumentKind.NOTICE, title=f"{case_key}-{outcome}")
    record = doc.records.get(recipient=party)
    service_attempt_record(actor=world.users[actor], record=record, method=AttemptMethod.POSTAL, outcome=outcome)
    return record


def test_failures_are_counted_per_institution_and_reason_without_personal_data(world):
    _fail(world, "bank", Outcome.ADDRESS_WRONG)
    _fail(world, "bank", Outcome.MOVED)
    _fail(world, "other_court", Outcome.ADDRESS_WRONG, actor="other_judge")
    _fail(world, "station", Outcome.REFUSED)
    ok = person_party(world.cases["other_bank"])
    if not ok.person.addresses.exists():
        on_file(ok.person)
    rec = send(world, case_key="other_bank", kind=DocumentKind.NOTICE).records.get(recipient=ok)
    deliver(world, rec)

    rows = failures_by_institution()
    got = {(r["institution_id"], r["outcome"]): r["count"] for r in rows}
    assert got == {
        (world.bank.pk, Outcome.ADDRESS_WRONG): 2,
        (world.bank.pk, Outcome.MOVED): 1,
        (world.other_bank.pk, Outcome.REFUSED): 1,
    }
    assert rows[0]["count"] == 2 and rows[0]["institution_id"] == world.bank.pk
    text = json.dumps([rows, failures_by_month(), address_defects_by_institution()], default=str, ensure_ascii=False)
    for person in world.persons.values():
        assert person.name not in text and person.id_number not in text

    own = failures_by_institution(institution=world.other_bank)
    assert {r["institution_id"] for r in own} == {world.other_bank.pk}
    assert failures_by_institution(since=timezone.now() + dt.timedelta(minutes=1)) == []

    months = failures_by_month()
    this_month = timezone.localtime().strftime("%Y-%m")
    assert {(m["institution_id"], m["month"], m["count"]) for m in months} == {
        (world.bank.pk, this_month, 3),
        (world.other_bank.pk, this_month, 1),
    }

    defects = address_defects_by_institution()
    assert defects[0]["institution_id"] == world.bank.pk
    assert (defects[0]["attempts"], defects[0]["failed"], defects[0]["address_defects"], defects[0]["defect_rate"]) == (
        3, 3, 3, 100,
    )  # fmt: skip
    other = next(d for d in defects if d["institution_id"] == world.other_bank.pk)
    assert (other["attempts"], other["failed"], other["address_defects"], other["defect_rate"]) == (2, 1, 0, 0)


@pytest.mark.parametrize(
    ("who", "allowed", "own"),
    [
        ("admin", True, False),
        ("regulator", True, False),
        ("bank", True, True),
        ("other_bank", True, True),
        ("clerk", True, False),
        ("judge", True, False),
        ("mediator", False, False),
        ("party", False, False),
        ("station", False, False),
    ],
)
def test_failures_scope(world, who, allowed, own):
    may, institution = failures_scope(world.users[who])
    assert may is allowed
    assert (institution is not None) is own
    if own:
        assert institution == world.users[who].organisation


def test_failures_scope_of_an_api_client_is_its_institution(world):
    assert failures_scope(world.api_client) == (True, world.bank)

"""The contract of the one write path: a dispute opened in bulk is the dispute opened alone.

The same row of a bank's file is opened twice, in the same state of the database: once through the
single-case services a bank's delivered debt goes through one at a time (the person found or
created, `case_create`, `case_auto_triage`, `service_address_confirm`), then rolled back; once through
the batch import (`cases.bulk.cases_create_bulk` and its steps). Every row either writes is compared,
with ids, timestamps and the random webhook event id normalised: the case, its parties, its number
history, its timeline, its triage decision, its service-address confirmation, the person and their
residence, the transition receivers called after commit and the webhook deliveries they queued.

The audit trail differs by design (cases/bulk.py): one entry per call, naming every case and person,
instead of one per case and step. The test pins that difference down too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify
from xietong.batches.importing import dispute_facts
from xietong.batches.services import batch_import, batch_upload
from xietong.cases.choices import Door, PartyRole
from xietong.cases.models import Case
from xietong.cases.registry import Receiver, registry
from xietong.cases.services import PersonParty, case_create
from xietong.intake.models import ServiceAddressConfirmation
from xietong.intake.selectors import intake_court
from xietong.intake.services import PartyDetails, ServiceAddress, person_find_or_create, service_address_confirm
from xietong.parties.models import Person
from xietong.triage.models import TriageDecision, TriageRule
from xietong.triage.services import case_auto_triage
from xietong.webhooks.models import WebhookDelivery
from xietong.webhooks.services import endpoint_create

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db

ROWS = {
    "new person, service address": good_row(7, principal="12,000.5", interest="300.25", penalty="17"),
    "person on file, no service address": good_row(
        8, service_address="", service_phone="", consent_e_service="", interest="0"
    ),
    "service phone and e-mail of their own": good_row(
        9, service_phone="13800000009", service_email="a9@example.com", consent_e_service="否"
    ),
}


def values(obj: Any, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every concrete field's value, ids and timestamps left out (as `drop` says)."""
    out = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.attname in drop:
            continue
        out[f.attname] = getattr(obj, f.attname)
    return out


def written(case_id: int, person_id: int) -> dict[str, Any]:
    """Every row about one case (and its person), normalised: the contract."""
    case = Case.objects.get(pk=case_id)

    def who(pk: int | None) -> Any:
        return "<person>" if pk == person_id else pk

    person = Person.objects.get(pk=person_id)
    return {
        "case": values(case, drop=("submitted_at", "updated_at")),
        "parties": sorted(
            (p.role, who(p.person_id), p.organisation_id, who(p.agent_id), p.authorisation_id)
            for p in case.parties.all()
        ),
        "numbers": [values(n, drop=("case_id", "assigned_at")) for n in case.numbers.order_by("pk")],
        "events": [values(e, drop=("case_id", "at")) for e in case.events.order_by("at", "pk")],
        "triage": [values(d, drop=("case_id", "at")) for d in TriageDecision.objects.filter(case=case)],
        "service": [
            {
                **values(s, drop=("case_id", "confirmed_at")),
                "person_id": who(s.person_id),
                "confirmed_by_id": who(s.confirmed_by_id),
            }
            for s in ServiceAddressConfirmation.objects.filter(case=case)
        ],
        "person": values(person, drop=("created_at",)),
        "addresses": [values(a, drop=("person_id",)) for a in person.addresses.order_by("pk")],
    }


@contextmanager
def receivers_recorded() -> Iterator[list[tuple[str, int, str, str, str]]]:
    """Every registered transition receiver, wrapped: (key, case id, transition, from, to) per case it learns of."""
    calls: list[tuple[str, int, str, str, str]] = []
    saved = dict(registry.receivers._items)

    def wrap(key: str, r: Receiver) -> Receiver:
        def one(case_id: int, code: str, a: str, b: str) -> None:
            calls.append((key, case_id, code, a, b))
            r.one(case_id, code, a, b)

        def many(case_ids: list[int], code: str, a: str, b: str) -> None:
            calls.extend((key, cid, code, a, b) for cid in case_ids)
            assert r.many is not None
            r.many(case_ids, code, a, b)

        return Receiver(one=one, many=many if r.many else None)

    registry.receivers._items.update({key: wrap(key, r) for key, r in saved.items()})
    try:
        yield calls
    finally:
        registry.receivers._items.clear()
        registry.receivers._items.update(saved)


def deliveries(case_id: int) -> list[dict[str, Any]]:
    out = []
    for d in WebhookDelivery.objects.filter(case_id=case_id).order_by("endpoint_id"):
        body = json.loads(d.body)
        body["id"] = "<event>"
        body["occurred_at"] = "<time>"
        body["case"]["id"] = "<case>"
        out.append({"endpoint": d.endpoint_id, "event": d.event_type, "status": d.status, "body": body})
    return out


def audit_since(seq: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq"))


def head() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def open_one(world: Any, data: dict[str, Any]) -> tuple[Case, Person]:
    """The single-case path: a bank's debt opened on its own, through the services, as the bank."""
    actor = world.users["bank"]
    person = person_find_or_create(
        actor=actor,
        details=PartyDetails(
            name=data["name"], id_number=data["id_number"], phone=data["phone"], address=data["address"]
        ),
    )
    case = case_create(
        actor=actor,
        court=intake_court(),
        institution=world.bank,
        product=data["product"],
        door=Door.BATCH,
        persons=[PersonParty(person=person, role=PartyRole.RESPONDENT)],
        principal=data["principal"],
        interest=data["interest"],
        penalty=data["penalty"],
        facts=dispute_facts(data),
    )
    case = case_auto_triage(case=case, actor=SYSTEM)
    if data.get("service_address"):
        service_address_confirm(
            actor=actor,
            case=case,
            person=person,
            confirmed_by=person,
            address=ServiceAddress(
                address=data["service_address"],
                phone=data.get("service_phone") or data["phone"],
                email=data.get("service_email") or "",
                consent_electronic_service=bool(data.get("consent_e_service")),
            ),
        )
    return case, person


def both_ways(
    world: Any, row: dict[str, Any], capture: Callable[..., Any], *, on_file: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the row alone (then roll it back), and in a batch; returns what each wrote."""
    from xietong.parties.services import person_create

    bank = world.users["bank"]
    endpoint_create(actor=bank, url="https://bank.example/hooks/xietong")
    if on_file:
        person_create(actor=SYSTEM, name=row["name"], id_number=row["id_number"], phone=row["phone"])
    batch = batch_upload(actor=bank, institution=world.bank, file=upload(csv_bytes([row]))).batch
    assert batch.valid_count == 1, batch.rows.get().errors
    data = batch.rows.get().data  # the dispute as checked: the same input both ways

    out: dict[str, dict[str, Any]] = {}
    with transaction.atomic():
        start = head()
        with receivers_recorded() as calls, capture(execute=True):
            case, person = open_one(world, data)
        out["single"] = written(case.pk, person.pk)
        out["single"]["receivers"] = [(k, "<case>" if c == case.pk else c, *rest) for k, c, *rest in calls]
        out["single"]["webhooks"] = deliveries(case.pk)
        out["single"]["audit"] = audit_since(start)
        transaction.set_rollback(True)

    start = head()
    with receivers_recorded() as calls, capture(execute=True):
        done = batch_import(batch=batch, actor=bank)
    row_case = done.rows.get().case
    respondent = row_case.parties.get(role=PartyRole.RESPONDENT).person_id
    out["bulk"] = written(row_case.pk, respondent)
    out["bulk"]["receivers"] = [(k, "<case>" if c == row_case.pk else c, *rest) for k, c, *rest in calls]
    out["bulk"]["webhooks"] = deliveries(row_case.pk)
    out["bulk"]["audit"] = audit_since(start)
    out["bulk"]["ids"] = {"case": row_case.pk, "person": respondent, "number": row_case.number}
    return out["single"], out["bulk"]


ROW_RULES = [
    pytest.param("", id="default triage"),
    pytest.param("rule", id="a rule decides"),
    pytest.param("memorandum", id="the bank's memorandum puts it on the fast track"),
]


@pytest.mark.parametrize("with_rule", ROW_RULES)
@pytest.mark.parametrize("name", list(ROWS))
def test_a_dispute_opened_in_bulk_is_the_dispute_opened_alone(
    world, django_capture_on_commit_callbacks, monkeypatch, name, with_rule
):
    from xietong.webhooks import services as webhooks

    monkeypatch.setattr(webhooks, "enqueue_delivery", lambda pk, run_after=None: None)  # queued, not sent
    if with_rule == "memorandum":
        import datetime as dt

        from django.utils import timezone

        from xietong.triage.models import SmallClaimsMemorandum

        today = timezone.localdate()
        SmallClaimsMemorandum.objects.create(
            institution=world.bank,
            signed_on=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=300),
            amount_limit=Decimal("50000"),
        )
    if with_rule == "rule":  # a rule with conditions and outcomes of every kind, so the reasons carry values
        from xietong.cases.models import Category

        TriageRule.objects.create(
            name="信用卡大额",
            position=1,
            products=["credit_card"],
            min_total=Decimal("1000"),
            max_parties=3,
            has_overseas_party=False,
            set_category=Category.objects.order_by("pk").first(),
            set_channel="hard_to_enforce",
            set_track="fast",
        )
    row = ROWS[name]
    single, bulk = both_ways(world, row, django_capture_on_commit_callbacks, on_file="on file" in name)

    for part in ("case", "parties", "numbers", "events", "triage", "service", "person", "addresses"):
        assert bulk[part] == single[part], part
    assert bulk["case"]["state"] == "triaged" and bulk["numbers"][0]["text"] == bulk["ids"]["number"]
    assert [e["kind"] for e in bulk["events"]] == ["created", "triage"]
    assert len(bulk["triage"]) == 1
    assert len(bulk["service"]) == (1 if row["service_address"] else 0)
    if with_rule == "rule":
        assert bulk["triage"][0]["rule_name"] == "信用卡大额" and bulk["case"]["channel"] == "hard_to_enforce"
    if with_rule == "memorandum":
        assert bulk["case"]["track"] == "fast" and bulk["triage"][0]["reasons"][0]["builtin"] == "memorandum"

    # After commit: every receiver learns of the triage step once per case, and the bank's endpoint
    # gets the same event queued.
    assert sorted(bulk["receivers"]) == sorted(single["receivers"])
    assert {k for k, *_ in single["receivers"]} == set(registry.receivers)
    assert bulk["webhooks"] == single["webhooks"] and len(bulk["webhooks"]) == 1

    # The audit trail: one entry per case and step alone; in bulk, one per call, naming them all.
    person_created = "on file" not in name
    expected_single = [
        *([AuditAction.PERSON_CREATE] if person_created else []),
        AuditAction.CASE_CREATE,
        AuditAction.TRIAGE_DECIDE,
        AuditAction.CASE_TRANSITION,
        *([AuditAction.INTAKE_SERVICE_ADDRESS] if row["service_address"] else []),
    ]
    assert [e.action for e in single["audit"]] == expected_single
    actions = [e.action for e in bulk["audit"]]
    assert actions == [
        AuditAction.BATCH_IMPORT_START,
        *([AuditAction.PERSON_CREATE_BULK] if person_created else []),
        AuditAction.CASE_CREATE_BULK,
        AuditAction.BATCH_IMPORT,
    ]
    entry = {e.action: e for e in bulk["audit"]}
    cases = entry[AuditAction.CASE_CREATE_BULK]
    assert cases.after["case_ids"] == [bulk["ids"]["case"]]
    assert cases.after["first_number"] == cases.after["last_number"] == bulk["ids"]["number"]
    assert cases.after["triage_decisions"] == 1
    assert cases.after["service_addresses"] == (1 if row["service_address"] else 0)
    assert cases.after["transition"] == "triage" and cases.after["door"] == Door.BATCH
    assert cases.actor_id == single["audit"][0].actor_id == world.users["bank"].pk
    if person_created:
        assert entry[AuditAction.PERSON_CREATE_BULK].after["person_ids"] == [bulk["ids"]["person"]]
    assert audit_verify()[1] is None

"""The append-only, hash-chained audit trail: written by every service, verified, tamper-evident."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.services import api_client_create, api_client_revoke, organisation_create, user_create
from xietong.audit.choices import AuditAction
from xietong.audit.models import GENESIS_HASH, AppendOnlyError, AuditEntry, AuditHead
from xietong.audit.services import SYSTEM, audit_record, audit_verify, chain_hash, entry_hash, entry_payload
from xietong.cases.choices import Door, PartyRole, Product, TeamKind
from xietong.cases.models import Team
from xietong.cases.services import PersonParty, case_assign_mediator, case_assign_team, case_create, case_transition
from xietong.core.idgen import fake_uscc, id_number_from
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.services import authorisation_create, person_create, person_reveal_id, person_reveal_phone

# Helpers ---------------------------------------------------------------------------------


def entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("seq"))


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def drop_append_only_triggers() -> None:
    """What an attacker with rights on the database does first. Undone by the test's rollback."""
    if connection.vendor == "sqlite":
        raw("DROP TRIGGER audit_entry_no_update")
        raw("DROP TRIGGER audit_entry_no_delete")
    elif connection.vendor == "postgresql":
        raw("DROP TRIGGER audit_entry_no_change ON audit_auditentry")
    else:  # pragma: no cover
        pytest.skip(f"no append-only trigger on {connection.vendor}")


def assert_verify_command_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit", stdout=StringIO())
    message = str(exc.value)
    assert re.search(rf"\bat entry {seq}:", message), message
    return message


# Every service writes one entry -----------------------------------------------------------


def _org(w):
    return organisation_create(
        actor=w.users["admin"],
        kind=OrganisationKind.INSTITUTION,
        name="兴业银行龙岩分行",
        uscc=fake_uscc(random.Random(99)),
    )


def _user(w):
    return user_create(actor=w.users["admin"], username="clerk2", password=None, role=Role.CLERK, organisation=w.court)


def _api_client(w):
    return api_client_create(actor=w.users["admin"], organisation=w.bank, name="新系统")[0]


def _api_revoke(w):
    return api_client_revoke(actor=w.users["admin"], client=w.api_client)


def _person(w):
    return person_create(actor=w.users["clerk"], name="王五", id_number=id_number_from(4242), phone="13900139000")


def _reveal_id(w):
    person_reveal_id(actor=w.users["clerk"], person=w.persons["borrower"], ip_address="10.0.0.7")
    return w.persons["borrower"]


def _reveal_phone(w):
    person_reveal_phone(actor=w.users["clerk"], person=w.persons["borrower"])
    return w.persons["borrower"]


def _authorisation(w):
    return authorisation_create(
        actor=w.users["clerk"],
        principal=w.persons["other"],
        agent=w.persons["villager"],
        relationship=Relationship.OTHER_RELATIVE,
        reason=AuthorisationReason.ABROAD,
        document=ContentFile(b"%PDF-1.4", name="a.pdf"),
    )


def _case(w):
    return case_create(
        actor=w.api_client,
        court=w.court,
        institution=w.bank,
        product=Product.CONSUMER_LOAN,
        door=Door.API,
        persons=[PersonParty(person=w.persons["other"], role=PartyRole.RESPONDENT)],
        principal=Decimal("5000"),
    )


def _transition(w):
    return case_transition(case=w.cases["other_bank"], code="triage", actor=w.users["clerk"])


def _assign_mediator(w):
    return case_assign_mediator(case=w.cases["other_bank"], actor=w.users["clerk"], mediator=w.users["other_mediator"])


def _assign_team(w):
    team = Team.objects.create(name="速裁团队", kind=TeamKind.INTEGRATED, court=w.court)
    return case_assign_team(case=w.cases["other_bank"], actor=w.users["clerk"], team=team)


SERVICE_WRITES: list[tuple[str, Callable[[Any], Any], AuditAction, str, str]] = [
    # (name, call, action, object type, actor key or "api")
    ("organisation_create", _org, AuditAction.ORGANISATION_CREATE, "accounts.organisation", "admin"),
    ("user_create", _user, AuditAction.USER_CREATE, "accounts.user", "admin"),
    ("api_client_create", _api_client, AuditAction.API_CLIENT_CREATE, "accounts.apiclient", "admin"),
    ("api_client_revoke", _api_revoke, AuditAction.API_CLIENT_REVOKE, "accounts.apiclient", "admin"),
    ("person_create", _person, AuditAction.PERSON_CREATE, "parties.person", "clerk"),
    ("person_reveal_id", _reveal_id, AuditAction.PERSON_VIEW_ID, "parties.person", "clerk"),
    ("person_reveal_phone", _reveal_phone, AuditAction.PERSON_VIEW_PHONE, "parties.person", "clerk"),
    ("authorisation_create", _authorisation, AuditAction.AUTHORISATION_CREATE, "parties.authorisation", "clerk"),
    ("case_create", _case, AuditAction.CASE_CREATE, "cases.case", "api"),
    ("case_transition", _transition, AuditAction.CASE_TRANSITION, "cases.case", "clerk"),
    ("case_assign_mediator", _assign_mediator, AuditAction.CASE_ASSIGN, "cases.case", "clerk"),
    ("case_assign_team", _assign_team, AuditAction.CASE_ASSIGN, "cases.case", "clerk"),
]


@pytest.mark.parametrize(
    ("call", "action", "object_type", "actor_key"), [s[1:] for s in SERVICE_WRITES], ids=[s[0] for s in SERVICE_WRITES]
)
def test_every_service_write_appends_exactly_one_entry(world, settings, tmp_path, call, action, object_type, actor_key):
    settings.MEDIA_ROOT = tmp_path
    head_before = AuditHead.objects.get(pk=1)
    count_before = AuditEntry.objects.count()

    obj = call(world)

    assert AuditEntry.objects.count() == count_before + 1
    e = last_entry()
    assert e.seq == head_before.seq + 1
    assert e.prev_hash == head_before.hash
    assert e.action == action
    assert e.object_type == object_type
    assert e.object_id == str(obj.pk)
    if actor_key == "api":
        client = world.api_client
        assert (e.actor_kind, e.actor_id, e.organisation_id) == ("api_client", client.pk, world.bank.pk)
        assert client.token_prefix in e.actor_label
    else:
        user = world.users[actor_key]
        assert (e.actor_kind, e.actor_id, e.organisation_id) == ("user", user.pk, user.organisation_id)
        assert user.username in e.actor_label
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (e.seq, e.hash)
    assert audit_verify() == (head.seq, None)


def test_a_refused_service_call_writes_nothing(world):
    count = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        person_create(actor=SYSTEM, name="重复", id_number=world.persons["borrower"].id_number)
    with pytest.raises(ValidationError):
        organisation_create(actor=SYSTEM, kind=OrganisationKind.COURT, name="无代码法院")
    assert AuditEntry.objects.count() == count


def test_reveal_id_records_who_saw_which_person_and_from_where(world):
    person = world.persons["villager"]
    clerk = world.users["clerk"]
    full = person_reveal_id(actor=clerk, person=person, ip_address="192.0.2.10")
    assert full == person.id_number
    e = last_entry()
    assert e.action == AuditAction.PERSON_VIEW_ID == "person.view_id"
    assert (e.object_type, e.object_id) == ("parties.person", str(person.pk))
    assert e.actor_id == clerk.pk
    assert e.ip_address == "192.0.2.10"
    # The entry says that the number was seen, but does not itself hold it.
    assert person.id_number not in str(e.before) + str(e.after) + e.object_repr


def test_the_trail_never_holds_a_full_id_number(world):
    numbers = [p.id_number for p in world.persons.values()]
    for e in AuditEntry.objects.all():
        text = f"{e.object_repr} {e.before} {e.after}"
        for n in numbers:
            assert n not in text, f"entry {e.seq} holds {n}"


def test_entries_are_a_gapless_hash_chain_matching_the_head(world):
    chain = entries()
    assert len(chain) > 20
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS_HASH
    for prev, e in itertools.pairwise(chain):
        assert e.prev_hash == prev.hash
    for e in chain:
        assert e.version == 2  # keyed: written with AUDIT_HMAC_KEY
        assert e.hash == chain_hash(e)
        assert e.hash != entry_hash(e.prev_hash, entry_payload(e))  # not the plain SHA-256 of version 1
    assert len({e.hash for e in chain}) == len(chain)
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)


def test_audit_record_many_events_in_one_call_chain_in_order(world):
    from xietong.audit.services import AuditEvent, audit_record_many

    before = AuditHead.objects.get(pk=1)
    with transaction.atomic():
        written = audit_record_many(
            actor=world.users["admin"],
            events=[
                AuditEvent(AuditAction.REFERENCE_CHANGE, "cases.category", str(i), after={"i": i}) for i in range(3)
            ],
        )
    assert [e.seq for e in written] == [before.seq + 1, before.seq + 2, before.seq + 3]
    assert written[0].prev_hash == before.hash
    assert written[1].prev_hash == written[0].hash
    assert written[2].prev_hash == written[1].hash
    assert audit_verify() == (before.seq + 3, None)


# Verification ----------------------------------------------------------------------------


def test_an_empty_trail_verifies(db):
    assert audit_verify() == (0, None)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "0 entries" in out.getvalue()


def test_verify_passes_on_an_intact_chain(world):
    n = AuditEntry.objects.count()
    assert audit_verify() == (n, None)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    assert f"{n} entries" in out.getvalue()


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor_label", "someone else"), ("action", "case.update"), ("object_id", "999999"), ("actor_id", 424242)],
)
def test_an_edited_row_is_caught(attacker, column, value):
    n = AuditEntry.objects.count()
    target = n // 2
    raw(f"UPDATE audit_auditentry SET {column} = %s WHERE seq = %s", [value, target])
    assert AuditEntry.objects.get(seq=target).hash  # the row is still there, its hash unchanged

    checked, problem = audit_verify()
    assert problem is not None
    assert problem.seq == target
    assert checked == target - 1
    assert "altered" in problem.reason
    assert_verify_command_fails_at(target)


def test_an_edited_row_with_its_hash_recomputed_without_the_key_is_caught(attacker):
    """Whoever has only the database can compute a plain SHA-256, not the HMAC: the row is caught as altered."""
    n = AuditEntry.objects.count()
    target = n // 2
    e = AuditEntry.objects.get(seq=target)
    e.actor_label = "someone else"
    forged = entry_hash(e.prev_hash, entry_payload(e))
    raw("UPDATE audit_auditentry SET actor_label = %s, hash = %s WHERE seq = %s", ["someone else", forged, target])

    checked, problem = audit_verify()
    assert problem is not None
    assert (problem.seq, checked) == (target, target - 1)
    assert "altered" in problem.reason
    assert_verify_command_fails_at(target)


def test_an_edited_row_rehashed_with_the_key_still_breaks_the_next_link(attacker):
    """Even with the key (an insider), one rewritten entry breaks the link of the next."""
    n = AuditEntry.objects.count()
    target = n // 2
    e = AuditEntry.objects.get(seq=target)
    e.actor_label = "someone else"
    forged = chain_hash(e)
    raw("UPDATE audit_auditentry SET actor_label = %s, hash = %s WHERE seq = %s", ["someone else", forged, target])

    checked, problem = audit_verify()
    assert problem is not None
    assert problem.seq == target + 1
    assert "link" in problem.reason
    assert checked == target
    assert_verify_command_fails_at(target + 1)


@pytest.mark.parametrize("where", ["first", "middle"])
def test_a_deleted_row_is_caught(attacker, where):
    n = AuditEntry.objects.count()
    target = 1 if where == "first" else n // 2
    raw("DELETE FROM audit_auditentry WHERE seq = %s", [target])
    assert AuditEntry.objects.count() == n - 1

    checked, problem = audit_verify()
    assert problem is not None
    assert problem.seq == target
    assert "missing" in problem.reason
    assert checked == target - 1
    assert_verify_command_fails_at(target)


def test_a_deleted_last_row_is_caught_by_the_head(attacker):
    n = AuditEntry.objects.count()
    raw("DELETE FROM audit_auditentry WHERE seq = %s", [n])

    checked, problem = audit_verify()
    assert problem is not None
    assert problem.seq == n
    assert checked == n - 1
    assert f"head records entry {n}" in problem.reason
    assert_verify_command_fails_at(n)


def test_several_deleted_last_rows_are_caught(attacker):
    n = AuditEntry.objects.count()
    raw("DELETE FROM audit_auditentry WHERE seq > %s", [n - 3])
    checked, problem = audit_verify()
    assert problem is not None
    assert checked == n - 3
    assert problem.seq == n - 2
    assert_verify_command_fails_at(n - 2)


def test_an_entry_inserted_out_of_thin_air_is_caught(attacker):
    n = AuditEntry.objects.count()
    last = last_entry()
    # An attacker appends a row but cannot know to move the head.
    fake = AuditEntry(
        seq=n + 1,
        at=last.at,
        actor_kind="user",
        actor_id=None,
        actor_label="ghost",
        action=AuditAction.CASE_UPDATE,
        object_type="cases.case",
        object_id="1",
        prev_hash=last.hash,
    )
    fake.hash = entry_hash(last.hash, entry_payload(fake))  # no key: a plain hash, version 1
    fake.save()
    checked, problem = audit_verify()
    assert problem is not None
    assert (problem.seq, checked) == (n + 1, n)
    assert "not keyed" in problem.reason
    # With the key it would verify as an entry, but the head was not moved.
    raw("DELETE FROM audit_auditentry WHERE seq = %s", [n + 1])
    keyed = AuditEntry(
        **{f.attname: getattr(fake, f.attname) for f in AuditEntry._meta.concrete_fields if f.attname != "id"}
    )
    keyed.version = 2
    keyed.hash = chain_hash(keyed)
    keyed.save()
    checked, problem = audit_verify()
    assert problem is not None
    assert checked == n + 1
    assert "head" in problem.reason


# The trail refuses change -----------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_an_entry(world):
    e = AuditEntry.objects.get(seq=3)
    original = (e.actor_label, e.hash)
    e.actor_label = "someone else"
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=3).update(actor_label="someone else")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=3).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update marks the transaction broken
        AuditEntry.objects.bulk_update([e], ["actor_label"])
    fresh = AuditEntry.objects.get(seq=3)
    assert (fresh.actor_label, fresh.hash) == original
    assert audit_verify()[1] is None


def test_saving_a_new_instance_over_an_existing_entry_is_refused(world):
    e = AuditEntry.objects.get(seq=3)
    clone = AuditEntry(**{f.attname: getattr(e, f.attname) for f in AuditEntry._meta.concrete_fields})
    clone.actor_label = "someone else"
    with pytest.raises((AppendOnlyError, DatabaseError)), transaction.atomic():
        clone.save()
    assert AuditEntry.objects.get(seq=3).actor_label == e.actor_label
    assert audit_verify()[1] is None


def test_the_database_refuses_a_raw_update_and_delete(world):
    e = AuditEntry.objects.get(seq=2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE audit_auditentry SET actor_label = %s WHERE seq = %s", ["someone else", 2])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM audit_auditentry WHERE seq = %s", [2])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.get(seq=2).actor_label == e.actor_label
    assert audit_verify() == (AuditEntry.objects.count(), None)


def test_audit_record_inside_a_transaction_writes_a_system_entry(world):
    with transaction.atomic():
        e = audit_record(actor=SYSTEM, action=AuditAction.REFERENCE_CHANGE, object_type="x", object_id=1)
    assert e.actor_kind == "system"
    assert e.actor_id is None


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_raises():
    assert not connection.in_atomic_block
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=SYSTEM, action=AuditAction.REFERENCE_CHANGE, object_type="cases.category", object_id=1)
    assert AuditEntry.objects.count() == count


def test_triggers_are_back_after_the_tampering_tests(world):
    # The tampering tests drop the triggers inside their own transaction; it must not leak.
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("UPDATE audit_auditentry SET actor_label = 'x' WHERE seq = 1")


@pytest.mark.django_db
def test_an_unknown_action_is_refused_and_nothing_is_written():
    before = AuditHead.objects.get(pk=1).seq
    with pytest.raises(ValueError, match="unknown audit action"), transaction.atomic():
        audit_record(actor=SYSTEM, action="case.teleport", object_type="case", object_id=1)  # type: ignore[arg-type]
    assert AuditHead.objects.get(pk=1).seq == before
    with transaction.atomic():
        entry = audit_record(actor=SYSTEM, action=AuditAction.DEMO_LOAD, object_type="demo.region", object_id=1)
    assert entry.action_label == str(AuditAction.DEMO_LOAD.label)

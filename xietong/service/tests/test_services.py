"""Sending, attempts, the party's link and alternatives: who may, what changes, what is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.cases.models import CaseEvent
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.notifications.backends import LocmemSmsBackend
from xietong.service.choices import AddressSource, AttemptMethod, DocumentKind, Outcome, RecordStatus, ServedBy
from xietong.service.models import ServedDocument, ServiceAttempt, ServiceRecord
from xietong.service.services import (
    service_address_for,
    service_alternative_record,
    service_attempt_record,
    service_document_open,
    service_send,
)

from .conftest import PDF, confirm, on_file, org_party, person_party

pytestmark = pytest.mark.django_db


def send(world, case_key="bank", kind=DocumentKind.NOTICE, actor=None, **kw):
    return service_send(
        actor=actor or world.users["clerk"],
        case=world.cases[case_key],
        kind=kind,
        title=kw.pop("title", "调解通知书"),
        content=kw.pop("content", PDF),
        filename="notice.pdf",
        **kw,
    )


def token_from_sms() -> str:
    text = LocmemSmsBackend.outbox[-1].text
    found = re.search(r"/s/([A-Za-z0-9_-]+)/", text)
    assert found, text
    return found.group(1)


@pytest.fixture(autouse=True)
def _clear_outbox():
    LocmemSmsBackend.outbox.clear()


# Where and how --------------------------------------------------------------------------------------


def test_consent_to_electronic_service_sends_a_link_by_sms_and_email(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    case = world.cases["bank"]
    party = person_party(case)
    confirm(case, party.person, consent=True, email="huang@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        doc = send(world)
    record = doc.records.get(recipient=party)
    assert record.planned_method == AttemptMethod.ELECTRONIC
    assert record.address_source == AddressSource.CONFIRMED and not record.no_confirmed_address
    assert record.status == RecordStatus.PENDING and record.token_hash
    attempt = record.attempts.get()
    assert (attempt.method, attempt.outcome) == (AttemptMethod.ELECTRONIC, Outcome.SENT)
    sms = LocmemSmsBackend.outbox[-1]
    assert sms.to == party.person.phone and case.number in sms.text
    assert sms.text.startswith("【协同】")  # signed as the platform's other text messages are
    token = token_from_sms()
    assert len(token) >= 40 and token not in record.token_hash  # only the hash is stored
    assert len(mailoutbox) == 1 and token in mailoutbox[0].body and mailoutbox[0].to == ["huang@example.cn"]


def test_no_consent_is_served_by_post_to_the_confirmed_address(world, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    party = person_party(case)
    confirm(case, party.person, consent=False, address="福建省龙岩市新罗区确认路8号")
    on_file(party.person)
    with django_capture_on_commit_callbacks(execute=True):
        doc = send(world)
    record = doc.records.get(recipient=party)
    assert record.planned_method == AttemptMethod.POSTAL
    assert record.address == "福建省龙岩市新罗区确认路8号" and record.address_source == AddressSource.CONFIRMED
    assert record.token_hash is None and LocmemSmsBackend.outbox == []
    assert list(record.attempts.values_list("method", "outcome")) == [(AttemptMethod.POSTAL, Outcome.SENT)]


def test_without_a_confirmation_the_address_on_file_is_used_and_flagged(world):
    case = world.cases["bank"]
    party = person_party(case)
    on_file(party.person, line="东城街道龙腾中路18号")
    record = send(world).records.get(recipient=party)
    assert record.planned_method == AttemptMethod.POSTAL
    assert record.address_source == AddressSource.ON_FILE and record.no_confirmed_address
    assert "龙腾中路18号" in record.address


def test_without_any_address_no_letter_is_posted(world):
    case = world.cases["bank"]
    record = send(world).records.get(recipient=person_party(case))
    assert record.address_source == AddressSource.NONE and record.no_confirmed_address
    assert not record.attempts.exists()


def test_an_institution_is_served_in_the_platform(world):
    case = world.cases["bank"]
    party = org_party(case)
    choice = service_address_for(case=case, party=party)
    assert (choice.method, choice.source) == (AttemptMethod.ELECTRONIC, AddressSource.ORGANISATION)
    record = send(world).records.get(recipient=party)
    assert record.token_hash is None
    assert record.attempts.get().outcome == Outcome.SENT


# Sending --------------------------------------------------------------------------------------------


def test_sending_records_audit_and_timeline_and_every_party(world):
    case = world.cases["bank"]
    doc = send(world)
    assert doc.records.count() == case.parties.count() == 2
    assert doc.sha256 and doc.size == len(PDF) and doc.file.read() == PDF
    assert AuditEntry.objects.filter(action=AuditAction.SERVICE_SEND, object_id=str(doc.pk)).count() == 1
    assert CaseEvent.objects.filter(case=case, kind="service_sent").count() == 1


def test_a_second_click_sends_nothing_more(world):
    first = send(world)
    again = send(world)
    assert again.pk == first.pk and ServedDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_document"),
        (b"PK\x03\x04 a zip", "not_a_pdf"),
        (b"%PDF-" + b"x" * (10 * 1024 * 1024), "document_too_large"),
    ],
)
def test_a_bad_document_is_refused_and_changes_nothing(world, content, code):
    with pytest.raises(DomainError) as err:
        send(world, content=content)
    assert err.value.code == code
    assert (
        not ServedDocument.objects.exists() and not AuditEntry.objects.filter(action=AuditAction.SERVICE_SEND).exists()
    )


def test_recipients_must_be_parties_of_the_case(world):
    stranger = person_party(world.cases["other_court"])
    with pytest.raises(DomainError):
        send(world, recipients=[stranger])
    assert not ServedDocument.objects.exists()
    doc = send(world, recipients=[person_party(world.cases["bank"])])
    assert doc.records.count() == 1


@pytest.mark.parametrize("who", ["bank", "party", "other_judge", "other_mediator", "regulator", "station"])
def test_only_the_court_the_mediator_and_the_center_send(world, who):
    with pytest.raises(NotAllowed):
        send(world, actor=world.users[who])
    assert not ServedDocument.objects.exists()


@pytest.mark.parametrize("who", ["clerk", "judge", "mediator", "admin"])
def test_senders(world, who):
    assert send(world, actor=world.users[who]).records.count() == 2


# The party's link -------------------------------------------------------------------------------------


def test_opening_the_link_serves_with_the_time_and_is_audited(world, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    party = person_party(case)
    confirm(case, party.person, consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        doc = send(world)
    token = token_from_sms()
    before = timezone.now()
    record = service_document_open(token=token, ip_address="10.0.0.8")
    assert record.status == RecordStatus.SERVED and record.served_by == ServedBy.ELECTRONIC
    assert record.opened_at is not None and record.opened_at >= before and record.served_at == record.opened_at
    entry = AuditEntry.objects.get(action=AuditAction.SERVICE_OPENED)
    assert entry.object_id == str(record.pk) and entry.ip_address == "10.0.0.8"
    assert CaseEvent.objects.filter(case=case, kind="service_served").count() == 1
    # Opening again keeps the first time and writes nothing more.
    again = service_document_open(token=token)
    assert again.opened_at == record.opened_at
    assert AuditEntry.objects.filter(action=AuditAction.SERVICE_OPENED).count() == 1
    assert doc.records.get(pk=record.pk).attempts.filter(outcome=Outcome.OPENED).count() == 1
    # The attempt says where it was opened, in words: not the code "link".
    from django.test import Client
    from django.utils import translation

    opened = doc.records.get(pk=record.pk).attempts.get(outcome=Outcome.OPENED)
    with translation.override("zh-hans"):
        assert opened.note == "link" and opened.note_display == "通过发送给其的链接"
    clerk = Client()
    clerk.force_login(world.users["clerk"])
    html = clerk.get(f"/cases/{case.pk}/").content.decode()
    assert "通过发送给其的链接" in html and '已打开</strong> <span class="muted">link<' not in html


@pytest.mark.parametrize("token", ["", "nothing", "x" * 300, "A" * 43])
def test_an_unknown_token_is_not_found(world, token):
    with pytest.raises(NotFound):
        service_document_open(token=token)


def test_sending_the_link_again_replaces_the_old_one(world, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    party = person_party(case)
    confirm(case, party.person, consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        record = send(world).records.get(recipient=party)
    old = token_from_sms()
    with django_capture_on_commit_callbacks(execute=True):
        service_attempt_record(
            actor=world.users["clerk"], record=record, method=AttemptMethod.ELECTRONIC, outcome=Outcome.SENT
        )
    new = token_from_sms()
    assert new != old
    with pytest.raises(NotFound):
        service_document_open(token=old)
    assert service_document_open(token=new).status == RecordStatus.SERVED


def test_no_electronic_resend_without_consent(world):
    case = world.cases["bank"]
    party = person_party(case)
    on_file(party.person)
    record = send(world).records.get(recipient=party)
    with pytest.raises(DomainError) as err:
        service_attempt_record(
            actor=world.users["clerk"], record=record, method=AttemptMethod.ELECTRONIC, outcome=Outcome.SENT
        )
    assert err.value.code == "no_electronic_consent"
    assert record.attempts.count() == 1


# Attempts ---------------------------------------------------------------------------------------------


def _postal_record(world):
    case = world.cases["bank"]
    party = person_party(case)
    on_file(party.person)
    return send(world).records.get(recipient=party)


def test_a_delivered_letter_serves(world):
    record = _postal_record(world)
    at = timezone.now()
    attempt = service_attempt_record(
        actor=world.users["clerk"],
        record=record,
        method=AttemptMethod.POSTAL,
        outcome=Outcome.DELIVERED,
        tracking_number="1190012345678",
        at=at,
    )
    record.refresh_from_db()
    assert attempt.tracking_number == "1190012345678" and attempt.at == at
    assert (record.status, record.served_by, record.served_at) == (RecordStatus.SERVED, ServedBy.POSTAL, at)
    assert AuditEntry.objects.filter(action=AuditAction.SERVICE_ATTEMPT, object_id=str(record.pk)).count() == 1
    with pytest.raises(Conflict):
        service_attempt_record(
            actor=world.users["clerk"], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.RETURNED
        )
    assert record.attempts.count() == 2


@pytest.mark.parametrize(
    "outcome", [Outcome.REFUSED, Outcome.ADDRESS_WRONG, Outcome.MOVED, Outcome.NO_ONE_HOME, Outcome.RETURNED]
)
def test_a_failure_fails_the_record_and_a_retry_makes_it_pending(world, outcome):
    record = _postal_record(world)
    service_attempt_record(actor=world.users["judge"], record=record, method=AttemptMethod.POSTAL, outcome=outcome)
    record.refresh_from_db()
    assert record.status == RecordStatus.FAILED
    service_attempt_record(actor=world.users["clerk"], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.SENT)
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING
    service_attempt_record(
        actor=world.users["clerk"], record=record, method=AttemptMethod.IN_PERSON, outcome=Outcome.DELIVERED
    )
    record.refresh_from_db()
    assert (record.status, record.served_by) == (RecordStatus.SERVED, ServedBy.IN_PERSON)


def test_the_same_click_twice_records_one_attempt(world):
    record = _postal_record(world)
    kw = {"actor": world.users["clerk"], "record": record, "method": AttemptMethod.POSTAL, "outcome": Outcome.MOVED}
    first = service_attempt_record(**kw)
    assert service_attempt_record(**kw).pk == first.pk
    assert record.attempts.filter(outcome=Outcome.MOVED).count() == 1


@pytest.mark.parametrize(
    ("method", "outcome", "at_offset"),
    [
        (AttemptMethod.ELECTRONIC, Outcome.DELIVERED, None),
        (AttemptMethod.IN_PERSON, Outcome.SENT, None),
        (AttemptMethod.POSTAL, Outcome.OPENED, None),
        ("pigeon", Outcome.DELIVERED, None),
        (AttemptMethod.POSTAL, Outcome.DELIVERED, dt.timedelta(days=2)),
        (AttemptMethod.POSTAL, Outcome.DELIVERED, -dt.timedelta(days=3650)),
    ],
)
def test_bad_attempts_are_refused_and_change_nothing(world, method, outcome, at_offset):
    record = _postal_record(world)
    at = timezone.now() + at_offset if at_offset is not None else None
    with pytest.raises(DomainError):
        service_attempt_record(actor=world.users["clerk"], record=record, method=method, outcome=outcome, at=at)
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING and record.attempts.count() == 1


@pytest.mark.parametrize("who", ["mediator", "other_judge", "bank", "party", "regulator", "station"])
def test_attempts_are_recorded_by_the_court_only(world, who):
    record = _postal_record(world)
    with pytest.raises(NotAllowed):
        service_attempt_record(
            actor=world.users[who], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.DELIVERED
        )
    assert ServiceAttempt.objects.filter(record=record).count() == 1


# Alternatives -----------------------------------------------------------------------------------------


def test_an_alternative_needs_a_failed_attempt_first(world):
    record = _postal_record(world)
    with pytest.raises(DomainError) as err:
        service_alternative_record(actor=world.users["judge"], record=record, kind="announcement", reason="下落不明")
    assert err.value.code == "no_failed_attempt"
    service_attempt_record(
        actor=world.users["clerk"], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.MOVED
    )
    with pytest.raises(DomainError):
        service_alternative_record(actor=world.users["judge"], record=record, kind="announcement", reason="  ")
    with pytest.raises(DomainError):
        service_alternative_record(actor=world.users["judge"], record=record, kind="telepathy", reason="x")
    done = service_alternative_record(
        actor=world.users["judge"], record=record, kind="announcement", reason="查无此人，下落不明，公告送达"
    )
    assert (done.status, done.served_by) == (RecordStatus.ALTERNATIVE, ServedBy.ANNOUNCEMENT)
    assert done.served_at is not None and "下落不明" in done.alternative_reason
    assert AuditEntry.objects.filter(action=AuditAction.SERVICE_ALTERNATIVE).count() == 1
    assert CaseEvent.objects.filter(case=world.cases["bank"], kind="service_alternative").count() == 1
    with pytest.raises(Conflict):
        service_alternative_record(actor=world.users["judge"], record=record, kind="left_at_address", reason="again")


@pytest.mark.parametrize("who", ["mediator", "other_judge", "bank", "party", "regulator"])
def test_alternatives_are_for_court_staff_only(world, who):
    record = _postal_record(world)
    service_attempt_record(
        actor=world.users["clerk"], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.REFUSED
    )
    with pytest.raises(NotAllowed):
        service_alternative_record(actor=world.users[who], record=record, kind="left_at_address", reason="拒收")
    record.refresh_from_db()
    assert record.status == RecordStatus.FAILED


def test_the_center_admin_may_record_an_alternative(world):
    record = _postal_record(world)
    service_attempt_record(
        actor=world.users["clerk"], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.REFUSED
    )
    done = service_alternative_record(
        actor=world.users["admin"], record=record, kind="left_at_address", reason="拒收，留置"
    )
    assert done.served_by == ServedBy.LEFT_AT_ADDRESS


def test_records_of_one_document_are_unique_per_recipient(world):
    doc = send(world)
    assert ServiceRecord.objects.filter(document=doc).values("recipient").distinct().count() == 2

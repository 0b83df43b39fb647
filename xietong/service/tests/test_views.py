"""The case panel per role, the party's link, downloads, the clerks' forms and the failures page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.notifications.backends import LocmemSmsBackend
from xietong.service.choices import AttemptMethod, DocumentKind, Outcome, RecordStatus, ServedBy
from xietong.service.models import ServedDocument, ServiceRecord
from xietong.service.services import service_attempt_record, service_send

from .conftest import PDF, confirm, on_file, org_party, person_party

pytestmark = pytest.mark.django_db


def login(world, who: str) -> Client:
    c = Client()
    c.force_login(world.users[who])
    return c


def send(world, case_key="bank"):
    return service_send(
        actor=world.users["clerk"],
        case=world.cases[case_key],
        kind=DocumentKind.NOTICE,
        title="调解通知书",
        content=PDF,
        filename="n.pdf",
    )


@pytest.fixture
def served(world, django_capture_on_commit_callbacks):
    """The bank case: the borrower consented to electronic service; the bank is served in the platform."""
    LocmemSmsBackend.outbox.clear()
    case = world.cases["bank"]
    confirm(case, person_party(case).person, consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        doc = send(world)
    token = re.search(r"/s/([A-Za-z0-9_-]+)/", LocmemSmsBackend.outbox[-1].text).group(1)
    return doc, token


def test_the_link_opens_without_login_shows_the_case_and_serves(world, served):
    doc, token = served
    resp = Client().get(f"/s/{token}/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert world.cases["bank"].number in body and "调解通知书" in body
    assert resp["Referrer-Policy"] == "no-referrer"
    record = doc.records.get(recipient=person_party(world.cases["bank"]))
    # Showing the page (a messaging app's link preview) serves nothing; the party's click does.
    assert record.opened_at is None and record.status != RecordStatus.SERVED
    assert Client().get(f"/s/{token}/file/").status_code == 404
    resp = Client().post(f"/s/{token}/")
    assert resp.status_code == 200 and 'data-testid="service-opened-at"' in resp.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.SERVED and record.opened_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.SERVICE_OPENED).count() == 1
    pdf = Client().get(f"/s/{token}/file/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == PDF
    # The staff panel shows the time it was opened.
    page = login(world, "clerk").get(f"/cases/{world.cases['bank'].pk}/").content.decode()
    assert 'data-testid="opened-at"' in page


def test_an_unknown_link_is_404(world, served):
    assert Client().get("/s/not-a-token/").status_code == 404
    assert Client().post("/s/not-a-token/").status_code == 404
    assert Client().get("/s/not-a-token/file/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.SERVICE_OPENED).exists()


def test_the_file_of_a_link_needs_the_page_opened_first(world, served):
    _, token = served
    assert Client().get(f"/s/{token}/file/").status_code == 404


def test_the_clerk_sees_every_record_and_the_forms(world, served):
    body = login(world, "clerk").get(f"/cases/{world.cases['bank'].pk}/").content.decode()
    assert 'data-testid="service-panel"' in body
    assert body.count('data-testid="service-record"') == 2
    assert 'data-testid="service-actions"' in body and 'data-testid="service-send"' in body


def test_the_mediator_sees_the_records_and_may_send_but_not_record(world, served):
    body = login(world, "mediator").get(f"/cases/{world.cases['bank'].pk}/").content.decode()
    assert body.count('data-testid="service-record"') == 2
    assert 'data-testid="service-actions"' not in body and 'data-testid="service-send"' in body


def test_a_party_sees_only_their_own_record_and_no_forms(world, served):
    body = login(world, "party").get(f"/cases/{world.cases['bank'].pk}/").content.decode()
    assert body.count('data-testid="service-record"') == 1
    assert 'data-testid="service-actions"' not in body and 'data-testid="service-send"' not in body


def test_the_bank_operator_sees_only_the_banks_record(world, served):
    body = login(world, "bank").get(f"/cases/{world.cases['bank'].pk}/").content.decode()
    assert body.count('data-testid="service-record"') == 1
    assert world.bank.name in body


def test_a_party_opening_the_document_on_the_case_page_is_served(world, served):
    doc, _ = served
    resp = login(world, "party").get(f"/service/documents/{doc.pk}/")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    record = doc.records.get(recipient=person_party(world.cases["bank"]))
    assert (record.status, record.served_by) == (RecordStatus.SERVED, ServedBy.ELECTRONIC)
    assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD).count() == 1
    # the bank's own record is untouched
    assert doc.records.get(recipient=org_party(world.cases["bank"])).status == RecordStatus.PENDING


def test_an_operator_opening_the_document_serves_the_institution(world, served):
    doc, _ = served
    assert login(world, "bank").get(f"/service/documents/{doc.pk}/").status_code == 200
    record = doc.records.get(recipient=org_party(world.cases["bank"]))
    assert record.status == RecordStatus.SERVED and record.opened_at is not None
    assert doc.records.get(recipient=person_party(world.cases["bank"])).status == RecordStatus.PENDING


def test_staff_downloads_are_audited_and_serve_nobody(world, served):
    doc, _ = served
    assert login(world, "clerk").get(f"/service/documents/{doc.pk}/").status_code == 200
    assert not doc.records.filter(status=RecordStatus.SERVED).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD).count() == 1


@pytest.mark.parametrize("who", ["other_bank", "other_judge", "other_mediator", "regulator", "stranger", "station"])
def test_others_cannot_download(world, served, who):
    doc, _ = served
    assert login(world, who).get(f"/service/documents/{doc.pk}/").status_code == 404


def test_a_party_who_is_not_a_recipient_cannot_download(world):
    doc = service_send(
        actor=world.users["clerk"],
        case=world.cases["bank"],
        kind=DocumentKind.NOTICE,
        title="致银行",
        content=PDF,
        filename="n.pdf",
        recipients=[org_party(world.cases["bank"])],
    )
    assert login(world, "party").get(f"/service/documents/{doc.pk}/").status_code == 404


def _postal(world):
    case = world.cases["bank"]
    on_file(person_party(case).person)
    return send(world).records.get(recipient=person_party(case))


def test_the_clerk_records_an_outcome_and_an_alternative(world):
    record = _postal(world)
    c = login(world, "clerk")
    resp = c.post(
        f"/service/records/{record.pk}/attempt/",
        {"method": "postal", "outcome": "address_wrong", "tracking_number": "1190000000001", "at": "", "note": ""},
    )
    assert resp.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.FAILED
    page = c.get(f"/cases/{world.cases['bank'].pk}/").content.decode()
    assert 'data-testid="service-alternative-submit"' in page
    resp = c.post(
        f"/service/records/{record.pk}/alternative/", {"kind": "announcement", "reason": "地址错误，公告送达"}
    )
    assert resp.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.ALTERNATIVE


def test_a_refused_form_changes_nothing_and_says_why(world):
    record = _postal(world)
    c = login(world, "clerk")
    resp = c.post(
        f"/service/records/{record.pk}/alternative/",
        {"kind": "announcement", "reason": "x"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "failed attempt" in resp.content.decode()
    resp = c.post(f"/service/records/{record.pk}/attempt/", {"method": "in_person", "outcome": "sent"}, follow=True)
    assert resp.status_code == 200
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING and record.attempts.count() == 1


@pytest.mark.parametrize(("who", "status"), [("mediator", 403), ("bank", 403), ("party", 403), ("other_judge", 404)])
def test_others_cannot_record(world, who, status):
    record = _postal(world)
    resp = login(world, who).post(
        f"/service/records/{record.pk}/attempt/", {"method": "postal", "outcome": "delivered"}
    )
    assert resp.status_code == status
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING


def test_sending_a_pdf_from_the_case_page(world):
    c = login(world, "judge")
    case = world.cases["bank"]
    upload = SimpleUploadedFile("传票.pdf", PDF, content_type="application/pdf")
    resp = c.post(f"/cases/{case.pk}/service/send/", {"kind": "hearing_notice", "title": "开庭传票", "file": upload})
    assert resp.status_code == 302
    doc = ServedDocument.objects.get()
    assert doc.kind == DocumentKind.HEARING_NOTICE and doc.records.count() == 2


def test_a_file_that_is_not_a_pdf_is_refused(world):
    c = login(world, "clerk")
    case = world.cases["bank"]
    upload = SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    resp = c.post(
        f"/cases/{case.pk}/service/send/",
        {"kind": "notice", "title": "x", "file": upload},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not a PDF" in resp.content.decode()
    assert not ServedDocument.objects.exists()


def test_a_mediator_of_another_case_cannot_send(world):
    upload = SimpleUploadedFile("a.pdf", PDF)
    resp = login(world, "mediator").post(
        f"/cases/{world.cases['other_bank'].pk}/service/send/", {"kind": "notice", "title": "x", "file": upload}
    )
    assert resp.status_code == 404
    assert not ServedDocument.objects.exists()


def _failures(world):
    for key, actor in (("bank", "clerk"), ("other_bank", "clerk"), ("other_court", "other_judge")):
        case = world.cases[key]
        party = person_party(case)
        if not party.person.addresses.exists():
            on_file(party.person)
        doc = service_send(
            actor=world.users[actor], case=case, kind=DocumentKind.NOTICE, title=key, content=PDF, filename="n.pdf"
        )
        record = doc.records.get(recipient=party)
        service_attempt_record(
            actor=world.users[actor], record=record, method=AttemptMethod.POSTAL, outcome=Outcome.ADDRESS_WRONG
        )


@pytest.mark.parametrize("who", ["admin", "regulator", "clerk", "judge"])
def test_the_failures_page_shows_every_institution_and_no_person(world, who):
    _failures(world)
    resp = login(world, who).get("/service/failures/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert world.bank.name in body and world.other_bank.name in body
    for person in world.persons.values():
        assert person.name not in body


def test_an_operator_sees_only_their_institution(world):
    _failures(world)
    body = login(world, "other_bank").get("/service/failures/").content.decode()
    assert body.count('data-testid="failure-row"') == 1
    assert world.other_bank.name in body and world.bank.name not in body


@pytest.mark.parametrize("who", ["mediator", "party", "station"])
def test_the_failures_page_is_not_for_others(world, who):
    assert login(world, who).get("/service/failures/").status_code == 403


def test_records_stay_one_per_recipient(world):
    send(world)
    assert ServiceRecord.objects.count() == 2

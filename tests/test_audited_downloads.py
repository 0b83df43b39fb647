"""Every file that names someone leaves through the one audited download: one audit entry per download,
always with the same keys — what document, the case's number (None for a document of no case) and the
SHA-256 of exactly the bytes sent — whichever app, page, API or link serves it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support.agreements import agreement_make_draft, agreement_make_signed
from tests.support.judiciary import confirm_case, file_case, schedule_hearing
from tests.support.world import World, more_cases
from xietong.audit.models import AuditEntry
from xietong.cases.models import Case
from xietong.cases.services import case_fail_mediation, case_start_mediation
from xietong.intake.models import ServiceAddressConfirmation
from xietong.intake.services import DisputeDetails, ServiceAddress, Upload, citizen_apply
from xietong.notifications.backends import LocmemSmsBackend

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a test document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
DOWNLOADS = ("document.download", "attachment.view", "batch.export")
KEYS = {"document", "case", "sha256"}


@dataclass
class Download:
    client: Client
    url: str
    obj: Any  # the object the entry is about (None: a register)
    case: Case | None


def login(world: World, who: str) -> Client:
    c = Client()
    c.force_login(world.users[who])
    return c


def api(world: World) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")


def performing(world: World, capture: Any) -> Case:
    """The bank case mediated, signed, confirmed (民特 ruling) and being repaid."""
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement_make_signed(case, world.users["mediator"])
    with capture(execute=True):
        confirm_case(case, world.users["judge"], start_performance=True)
    return Case.objects.get(pk=case.pk)


def enforcement(world: World, capture: Any) -> Any:
    from xietong.repayment.selectors import plan_current
    from xietong.repayment.services import enforcement_apply, repayment_daily

    case = performing(world, capture)
    first = plan_current(case).instalments.get(seq=1).due_date
    moment = dt.datetime.combine(first + dt.timedelta(days=16), dt.time(10), zoneinfo.ZoneInfo("Asia/Shanghai"))
    repayment_daily(now=moment)
    return enforcement_apply(actor=world.users["bank"], case=case)


def served(world: World, capture: Any) -> tuple[Any, str]:
    from xietong.service.services import service_send

    LocmemSmsBackend.outbox.clear()
    case = world.cases["bank"]
    person = case.parties.filter(person__isnull=False).get().person
    ServiceAddressConfirmation.objects.create(
        case=case,
        person=person,
        address="福建省龙岩市新罗区测试路1号",
        phone=person.phone,
        consent_electronic_service=True,
    )
    with capture(execute=True):
        doc = service_send(
            actor=world.users["clerk"], case=case, kind="notice", title="调解通知书", content=PDF, filename="n.pdf"
        )
    token = re.search(r"/s/([A-Za-z0-9_-]+)/", LocmemSmsBackend.outbox[-1].text).group(1)
    return doc, token


def sent_suggestion(world: World) -> Any:
    from xietong.suggestions.services import suggestion_draft, suggestion_send, suggestion_sign

    judge = world.users["judge"]
    judge.user_permissions.add(Permission.objects.get(codename="sign_suggestion"))
    judge = type(judge).objects.get(pk=judge.pk)
    s = suggestion_draft(
        actor=world.users["clerk"],
        institution=world.bank,
        title="关于规范送达地址确认工作的司法建议",
        problems="送达地址确认书填写不完整。",
        recommendations=["规范填写送达地址确认书"],
        legal_basis="《中华人民共和国民事诉讼法》",
        copies_to=[world.regulator_org],
    )
    suggestion_sign(actor=judge, suggestion=s)
    return suggestion_send(actor=world.users["clerk"], suggestion=s)


# One entry per route: what to set up, and the download ---------------------------------------------


def attachment(world: World, capture: Any) -> Download:
    result = citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=DisputeDetails(product="credit_card", principal="100", interest=Decimal("0"), facts="f", wishes=[]),
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=ServiceAddress(address="新罗区中山路1号", phone="13800138000"),
        attachments=[Upload(file=SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"))],
    )
    case, att = result.application.cases.get(), result.application.attachments.get()
    return Download(login(world, "clerk"), f"/cases/{case.pk}/attachments/{att.pk}/", att, case)


def stored_authorisation(world: World) -> Any:
    from xietong.parties.models import Authorisation

    auth = Authorisation.objects.get(principal=world.persons["borrower"], agent=world.persons["relative"])
    auth.document.save("signed.pdf", ContentFile(PDF))  # under this test's MEDIA_ROOT
    return auth


def authorisation(world: World, capture: Any) -> Download:
    auth = stored_authorisation(world)
    party = world.cases["bank"].parties.get(authorisation=auth)
    url = f"/cases/{party.case_id}/parties/{party.pk}/authorisation/"
    return Download(login(world, "mediator"), url, auth, world.cases["bank"])


def authorisation_back_office(world: World, capture: Any) -> Download:
    auth = stored_authorisation(world)
    return Download(login(world, "admin"), f"/authorisations/{auth.pk}/document/", auth, None)


def agreement_draft_pdf(world: World, capture: Any) -> Download:
    case_start_mediation(case=world.cases["bank"], actor=world.users["mediator"])
    a = agreement_make_draft(world.cases["bank"], world.users["mediator"])
    return Download(login(world, "mediator"), f"/cases/{a.case_id}/agreements/{a.pk}/pdf/", a, a.case)


def agreement_signed_pdf(world: World, capture: Any) -> Download:
    case_start_mediation(case=world.cases["bank"], actor=world.users["mediator"])
    a = agreement_make_signed(world.cases["bank"], world.users["mediator"])
    return Download(login(world, "mediator"), f"/cases/{a.case_id}/agreements/{a.pk}/pdf/", a, a.case)


def agreement_docx(world: World, capture: Any) -> Download:
    case_start_mediation(case=world.cases["bank"], actor=world.users["mediator"])
    a = agreement_make_signed(world.cases["bank"], world.users["mediator"])
    return Download(login(world, "mediator"), f"/cases/{a.case_id}/agreements/{a.pk}/docx/", a, a.case)


def agreement_api_pdf(world: World, capture: Any) -> Download:
    case_start_mediation(case=world.cases["bank"], actor=world.users["mediator"])
    a = agreement_make_signed(world.cases["bank"], world.users["mediator"])
    return Download(api(world), f"/api/v1/agreements/{a.pk}/pdf", a, a.case)


def ruling(world: World, capture: Any) -> Download:
    case = performing(world, capture)
    r = case.rulings.get()
    return Download(login(world, "clerk"), f"/cases/{case.pk}/judiciary/rulings/{r.pk}/", r, case)


def hearing_notice(world: World, capture: Any) -> Download:
    from xietong.service.models import ServedDocument

    case = more_cases(world, 1)[0]
    case_start_mediation(case=case, actor=world.users["mediator"])
    case_fail_mediation(case=case, actor=world.users["mediator"], note="被申请人拒绝任何还款方案")
    file_case(case, world.users["clerk"])
    hearing = schedule_hearing(case, world.users["clerk"], world.users["judge"])
    doc = ServedDocument.objects.get(pk=hearing.notice_id)
    return Download(login(world, "clerk"), f"/cases/{case.pk}/judiciary/hearings/{hearing.pk}/notice/", doc, case)


def served_document(world: World, capture: Any) -> Download:
    doc, _token = served(world, capture)
    return Download(login(world, "party"), f"/service/documents/{doc.pk}/", doc, doc.case)


def served_by_link(world: World, capture: Any) -> Download:
    doc, token = served(world, capture)
    Client().post(f"/s/{token}/")  # the party's click: the opening that serves it
    return Download(Client(), f"/s/{token}/file/", doc, doc.case)


def voucher(world: World, capture: Any) -> Download:
    from xietong.repayment.declarations import payment_declare

    case = performing(world, capture)
    d = payment_declare(
        actor=world.users["party"],
        case=case,
        paid_on=dt.date.today(),
        amount="1000.00",
        voucher=ContentFile(JPEG, name="r.jpg"),
    )
    return Download(login(world, "bank"), f"/cases/{case.pk}/repayment/declarations/{d.pk}/voucher/", d, case)


def enforcement_pdf(world: World, capture: Any) -> Download:
    a = enforcement(world, capture)
    return Download(login(world, "bank"), f"/cases/{a.case_id}/repayment/enforcement/{a.pk}/pdf/", a, a.case)


def enforcement_docx(world: World, capture: Any) -> Download:
    a = enforcement(world, capture)
    return Download(login(world, "bank"), f"/cases/{a.case_id}/repayment/enforcement/{a.pk}/docx/", a, a.case)


def enforcement_api_pdf(world: World, capture: Any) -> Download:
    a = enforcement(world, capture)
    return Download(api(world), f"/api/v1/cases/{a.case_id}/enforcement/{a.pk}/pdf", a, a.case)


def suggestion_pdf(world: World, capture: Any) -> Download:
    s = sent_suggestion(world)
    return Download(login(world, "clerk"), f"/suggestions/{s.pk}/file.pdf", s, None)


def suggestion_docx(world: World, capture: Any) -> Download:
    s = sent_suggestion(world)
    return Download(login(world, "bank"), f"/suggestions/{s.pk}/file.docx", s, None)


def suggestion_answer_attachment(world: World, capture: Any) -> Download:
    from xietong.suggestions.services import AnswerItem, suggestion_answer, suggestion_open

    s = sent_suggestion(world)
    suggestion_open(actor=world.users["bank"], suggestion=s)
    answer = suggestion_answer(
        actor=world.users["bank"],
        suggestion=s,
        actions="增设送达地址确认条款。",
        items=[AnswerItem(verdict="adopted")],
        attachments=[SimpleUploadedFile("确认书.pdf", PDF, content_type="application/pdf")],
    )
    att = answer.attachments.get()
    return Download(login(world, "clerk"), f"/suggestions/{s.pk}/attachments/{att.pk}/", att, None)


def suggestions_register(world: World, capture: Any) -> Download:
    sent_suggestion(world)
    return Download(login(world, "clerk"), "/suggestions/export.xlsx", None, None)


def risk_notice(world: World, capture: Any) -> Download:
    from xietong.risk.choices import Dimension
    from xietong.risk.models import RiskWarning
    from xietong.risk.services import risk_detect
    from xietong.risk.tests.test_services import TODAY, simulate

    simulate(Dimension.INSTITUTION, str(world.bank.pk), [0] * 40 + [9], last=TODAY - dt.timedelta(days=1))
    risk_detect(day=TODAY)
    w = RiskWarning.objects.get(dimension=Dimension.INSTITUTION)
    return Download(login(world, "regulator"), f"/risk/warnings/{w.pk}/notice/pdf/", w, None)


def batch_errors(world: World, capture: Any) -> Download:
    from xietong.batches.services import batch_upload
    from xietong.batches.tests.helpers import csv_bytes, good_row, upload

    rows = [good_row(1), good_row(2, id_number="350802198501010000")]
    batch = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes(rows))).batch
    assert batch.error_count
    return Download(login(world, "bank"), f"/batches/{batch.pk}/errors.xlsx", batch, None)


def batch_followup(world: World, capture: Any) -> Download:
    from xietong.batches.services import batch_import, batch_upload
    from xietong.batches.tests.helpers import csv_bytes, good_row, upload

    batch = batch_upload(
        actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(1), good_row(2)]))
    ).batch
    batch = batch_import(batch=batch, actor=world.users["bank"])
    return Download(login(world, "bank"), f"/batches/{batch.pk}/followup.xlsx", batch, None)


def payment_file_errors(world: World, capture: Any) -> Download:
    from xietong.repayment.payment_files import payment_file_upload

    data = "案号,还款日期,还款金额（元）,交易流水号\n（2099）闽0802民调1号,2026-01-01,100,F-1\n".encode("utf-8-sig")
    pf = payment_file_upload(actor=world.users["bank"], data=data, name="bad.csv")
    assert pf.error_count
    return Download(login(world, "bank"), f"/repayment/files/{pf.pk}/errors.xlsx", pf, None)


ROUTES: dict[str, Callable[[World, Any], Download]] = {
    f.__name__: f
    for f in (
        attachment,
        authorisation,
        authorisation_back_office,
        agreement_draft_pdf,
        agreement_signed_pdf,
        agreement_docx,
        agreement_api_pdf,
        ruling,
        hearing_notice,
        served_document,
        served_by_link,
        voucher,
        enforcement_pdf,
        enforcement_docx,
        enforcement_api_pdf,
        suggestion_pdf,
        suggestion_docx,
        suggestion_answer_attachment,
        suggestions_register,
        risk_notice,
        batch_errors,
        batch_followup,
        payment_file_errors,
    )
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_audited_download_writes_one_entry_with_the_same_keys(route, world, django_capture_on_commit_callbacks):
    d = ROUTES[route](world, django_capture_on_commit_callbacks)
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        resp = d.client.get(d.url)
    assert resp.status_code == 200, (route, resp.content[:300])
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    assert resp["Content-Disposition"].startswith("attachment")
    entries = list(AuditEntry.objects.filter(seq__gt=last, action__in=DOWNLOADS))
    assert len(entries) == 1, [(e.action, e.after) for e in entries]
    entry = entries[0]
    assert set(entry.after) >= KEYS, entry.after
    assert entry.after["document"]
    assert entry.after["case"] == (Case.objects.get(pk=d.case.pk).number if d.case is not None else None)
    assert entry.after["sha256"] == hashlib.sha256(body).hexdigest()
    if d.obj is not None:
        assert (entry.object_type, entry.object_id) == (d.obj._meta.label_lower, str(d.obj.pk))

"""The case panel, the pages' flows, downloads (PDF, DOCX: audited, restricted) and the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from tests.support.agreements import agreement_make_draft, agreement_make_signed
from xietong.agreements.choices import AgreementStatus, SignatureMethod
from xietong.agreements.models import Agreement, AgreementSignature
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseParty
from xietong.documents.render import docx_text

from .conftest import last_code

pytestmark = pytest.mark.django_db


def client(world, who: str) -> Client:
    c = Client()
    if who.startswith("token:"):
        token = world.api_token if who == "token:bank" else world.other_api_token
        c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        c.force_login(world.users[who])
    return c


def pdf_fonts(reader: PdfReader) -> set[str]:
    fonts = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(str(font.get("/BaseFont")))
            for desc in font.get("/DescendantFonts") or []:
                d = desc.get_object().get("/FontDescriptor")
                if d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add("embedded:" + str(desc.get_object().get("/BaseFont")))
            d = font.get("/FontDescriptor")
            if d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add("embedded:" + str(font.get("/BaseFont")))
    return fonts


def test_the_frozen_pdf_has_the_names_the_total_the_hash_and_an_embedded_cjk_font(
    world, mediating, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = agreement_make_signed(mediating, world.users["mediator"], render_pdf=True)
    a.refresh_from_db()
    with a.pdf.open("rb") as fh:
        data = fh.read()
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "调解协议书" in text.replace(" ", "")  # the title is letter-spaced
    assert "黄大明" in text and "黄小明" in text and world.bank.name in text
    assert "13000.00" in text and "12800.50" in text and "199.50" in text
    assert Case.objects.get(pk=mediating.pk).number in text
    assert a.content_hash[:20] in text.replace("\n", "")
    fonts = pdf_fonts(reader)
    assert any(f.startswith("embedded:") and "CJK" in f and "Noto" in f for f in fonts), fonts


def test_the_docx_has_the_same_content(world, mediating):
    a = agreement_make_signed(mediating, world.users["mediator"])
    resp = client(world, "judge").get(f"/cases/{mediating.pk}/agreements/{a.pk}/docx/")
    assert resp.status_code == 200
    text = docx_text(resp.content)
    assert "黄大明" in text and world.bank.name in text and "12800.50" in text and a.content_hash in text


@pytest.mark.parametrize(
    ("who", "status"),
    [("mediator", 200), ("judge", 200), ("bank", 200), ("party", 200), ("other_bank", 404), ("other_judge", 404),
     ("stranger", 404), ("regulator", 403)],
)  # fmt: skip
def test_downloads_are_restricted_and_audited(world, mediating, who, status):
    a = agreement_make_signed(mediating, world.users["mediator"])
    before = AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD).count()
    resp = client(world, who).get(f"/cases/{mediating.pk}/agreements/{a.pk}/pdf/")
    assert resp.status_code == status
    after = AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD)
    if status == 200:
        assert resp.content.startswith(b"%PDF")
        entry = after.order_by("-seq").first()
        assert after.count() == before + 1
        assert entry.actor_id == world.users[who].pk and entry.after["format"] == "pdf"
        a.refresh_from_db()
        assert a.pdf and len(a.pdf_sha256) == 64  # rendered on first download, then stored
    else:
        assert after.count() == before


def test_an_agreement_of_another_case_is_not_found_under_this_one(world, mediating):
    a = agreement_make_signed(mediating, world.users["mediator"])
    other = world.cases["other_bank"]
    assert client(world, "admin").get(f"/cases/{other.pk}/agreements/{a.pk}/pdf/").status_code == 404


def test_a_draft_pdf_is_marked_draft(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"], send=False)
    resp = client(world, "mediator").get(f"/cases/{mediating.pk}/agreements/{a.pk}/pdf/")
    assert resp.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.content)).pages)
    assert "草稿" in text and "黄大明" in text
    assert "draft" in resp["Content-Disposition"]


# The pages ------------------------------------------------------------------------------------


def draft_post(**kw):
    data = {
        "waived": "199.50",
        "months": "4",
        "first_due": (timezone.localdate() + dt.timedelta(days=15)).isoformat(),
        "default_clause": "任何一期逾期，剩余款项全部到期。",
        "terms": "",
        "plan_text": "",
    }
    data.update(kw)
    return data


def test_the_mediator_drafts_previews_sends_and_parties_sign_on_the_page(
    world, mediating, outbox, django_capture_on_commit_callbacks
):
    m = client(world, "mediator")
    page = m.get(f"/cases/{mediating.pk}/")
    assert b'data-testid="agreement-draft"' in page.content
    preview = m.get(f"/cases/{mediating.pk}/agreements/preview/", draft_post())
    assert (
        preview.status_code == 200 and b"12,800.50" in preview.content and b'data-testid="plan-sum"' in preview.content
    )
    bad = m.get(f"/cases/{mediating.pk}/agreements/preview/", draft_post(plan_text="2099-01-01 100"))
    assert b'data-testid="plan-error"' in bad.content
    resp = m.post(f"/cases/{mediating.pk}/agreements/draft/", draft_post())
    assert resp.status_code == 302
    a = Agreement.objects.get(case=mediating)
    assert a.instalments.count() == 4
    m.post(f"/cases/{mediating.pk}/agreements/{a.pk}/send/")
    a.refresh_from_db()
    assert a.status == AgreementStatus.SIGNING

    person = CaseParty.objects.get(case=mediating, person__isnull=False)
    bank = CaseParty.objects.get(case=mediating, organisation__isnull=False)
    p = client(world, "party")
    page = p.get(f"/cases/{mediating.pk}/")
    assert b'data-testid="sign-request-code"' in page.content and b'data-testid="sign-operator"' not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        p.post(f"/cases/{mediating.pk}/agreements/{a.pk}/parties/{person.pk}/code/")
    wrong = p.post(
        f"/cases/{mediating.pk}/agreements/{a.pk}/parties/{person.pk}/sign/", {"how": "otp", "code": "99999x"}
    )
    assert wrong.status_code == 302 and not AgreementSignature.objects.exists()
    p.post(
        f"/cases/{mediating.pk}/agreements/{a.pk}/parties/{person.pk}/sign/", {"how": "otp", "code": last_code(outbox)}
    )
    assert AgreementSignature.objects.get().method == SignatureMethod.OTP

    b = client(world, "bank")
    page = b.get(f"/cases/{mediating.pk}/")
    assert b'data-testid="sign-operator"' in page.content
    # the party cannot sign for the bank, even by crafting the form
    p.post(f"/cases/{mediating.pk}/agreements/{a.pk}/parties/{bank.pk}/sign/", {"how": "operator"})
    assert AgreementSignature.objects.count() == 1
    b.post(f"/cases/{mediating.pk}/agreements/{a.pk}/parties/{bank.pk}/sign/", {"how": "operator"})
    a.refresh_from_db()
    assert a.status == AgreementStatus.SIGNED
    assert Case.objects.get(pk=mediating.pk).state == CaseState.AGREEMENT
    page = p.get(f"/cases/{mediating.pk}/")
    assert a.content_hash.encode() in page.content and b'data-testid="agreement-pdf"' in page.content


def test_a_bad_plan_on_the_page_changes_nothing(world, mediating):
    m = client(world, "mediator")
    d = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    resp = m.post(f"/cases/{mediating.pk}/agreements/draft/", draft_post(plan_text=f"{d} 100.00"), follow=True)
    assert not Agreement.objects.exists()
    assert "12800.50" in resp.content.decode()  # the message names the agreed total


def test_others_cannot_draft_or_void_from_the_page(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    for who in ("bank", "party", "clerk"):
        client(world, who).post(f"/cases/{mediating.pk}/agreements/draft/", draft_post())
    assert Agreement.objects.count() == 1
    for who in ("bank", "party"):
        client(world, who).post(f"/cases/{mediating.pk}/agreements/{a.pk}/void/", {"reason": "x"})
    a.refresh_from_db()
    assert a.status == AgreementStatus.SIGNING
    client(world, "mediator").post(f"/cases/{mediating.pk}/agreements/{a.pk}/void/", {"reason": "重新协商"})
    a.refresh_from_db()
    assert a.status == AgreementStatus.VOID


# The API --------------------------------------------------------------------------------------


def test_the_api_shows_the_agreement_and_the_bank_signs_idempotently(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    bank = client(world, "token:bank")
    body = bank.get(f"/api/v1/agreements/cases/{mediating.pk}").json()
    assert body["agreement"]["id"] == a.pk and body["agreement"]["agreed"] == "12800.50"
    assert [i["amount"] for i in body["agreement"]["instalments"]] == ["4266.83", "4266.83", "4266.84"]
    assert [p["signed"] for p in body["agreement"]["parties"]] == [False, False]
    first = bank.post(f"/api/v1/agreements/{a.pk}/sign")
    assert first.status_code == 200 and first.json()["method"] == "operator"
    count = AuditEntry.objects.count()
    again = bank.post(f"/api/v1/agreements/{a.pk}/sign")
    assert again.json() == first.json() and AuditEntry.objects.count() == count
    assert client(world, "token:other_bank").post(f"/api/v1/agreements/{a.pk}/sign").status_code == 404
    assert client(world, "token:other_bank").get(f"/api/v1/agreements/cases/{mediating.pk}").status_code == 404
    refused = client(world, "party").post(f"/api/v1/agreements/{a.pk}/sign")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_signer"
    pdf = bank.get(f"/api/v1/agreements/{a.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD, actor_kind="api_client").exists()


def test_the_api_answers_null_without_an_agreement(world, mediating):
    body = client(world, "token:bank").get(f"/api/v1/agreements/cases/{mediating.pk}").json()
    assert body == {"case_id": mediating.pk, "agreement": None}


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("clerk", ["sign-counter"], ["sign-operator", "sign-request-code", "agreement-void", "agreement-draft"]),
        ("admin", ["sign-counter"], ["sign-operator", "agreement-void"]),
        ("judge", ["agreement-pdf"], ["sign-counter", "sign-operator", "agreement-void"]),
        ("mediator", ["sign-counter", "agreement-void", "agreement-draft"], ["sign-operator"]),
        ("bank", ["sign-operator"], ["sign-counter", "sign-request-code", "agreement-void"]),
        ("party", ["sign-request-code"], ["sign-counter", "sign-operator", "agreement-void"]),
    ],
)
def test_the_panel_offers_each_role_what_it_may_do(world, mediating, who, shown, hidden):
    agreement_make_draft(mediating, world.users["mediator"])
    page = client(world, who).get(f"/cases/{mediating.pk}/").content.decode()
    assert 'data-testid="agreement-panel"' in page
    for testid in shown:
        assert f'data-testid="{testid}"' in page, testid
    for testid in hidden:
        assert f'data-testid="{testid}"' not in page, testid
    assert world.persons["relative"].phone not in page and world.persons["borrower"].phone not in page


def test_regulators_see_no_panel_and_no_case(world, mediating):
    agreement_make_draft(mediating, world.users["mediator"])
    assert client(world, "regulator").get(f"/cases/{mediating.pk}/").status_code == 403

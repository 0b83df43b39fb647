"""The judiciary's documents, rendered for real (WeasyPrint) and read back with pypdf."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.support.judiciary import confirm_case, schedule_hearing, serve_hearing_notice
from xietong.judiciary.choices import HearingStatus, OutcomeKind, RulingKind
from xietong.judiciary.documents import hearing_notice_pdf
from xietong.judiciary.models import Hearing, Ruling
from xietong.judiciary.services import hearing_set_status, ruling_ensure_pdf, trial_outcome_record

pytestmark = pytest.mark.real_pdf


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def test_the_confirmation_ruling_names_the_parties_and_its_number(world, agreed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = confirm_case(agreed, world.users["judge"], render=True)
    ruling = Ruling.objects.get(case=case, kind=RulingKind.CONFIRMATION)
    with ruling.pdf.open("rb") as f:
        data = f.read()
    from xietong.documents.render import sha256

    assert sha256(data) == ruling.sha256
    text = text_of(data)
    assert "民事裁定书" in text and ruling.number in text and "民特" in ruling.number
    assert world.court.name in text
    assert "黄大明" in text and world.bank.name in text  # the applicants, by their Chinese names
    assert "黄小明" in text  # the relative acting for him
    assert "调解协议有效" in text and "申请强制执行" in text
    assert "法官甲" in text
    assert world.persons["borrower"].id_number not in text  # the ID number is masked


def test_a_ruling_left_unrendered_is_rendered_on_first_use(world, agreed):
    case = confirm_case(agreed, world.users["judge"], render=False)
    ruling = Ruling.objects.get(case=case)
    assert not ruling.pdf and ruling.sha256 == ""
    ruling = ruling_ensure_pdf(ruling=ruling)
    assert ruling.pdf and len(ruling.sha256) == 64
    with ruling.pdf.open("rb") as f:
        assert ruling.number in text_of(f.read())


def test_the_hearing_notice_and_the_judgment(world, filed, django_capture_on_commit_callbacks):
    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    text = text_of(hearing_notice_pdf(Hearing.objects.get(pk=hearing.pk)))
    assert "传票" in text and filed.number in text and "黄大明" in text and world.bank.name in text
    serve_hearing_notice(filed, world.users["clerk"])
    hearing_set_status(actor=world.users["judge"], hearing=hearing, status=HearingStatus.HELD)
    with django_capture_on_commit_callbacks(execute=True):
        trial_outcome_record(
            actor=world.users["judge"],
            case=filed,
            kind=OutcomeKind.JUDGMENT,
            summary="原告诉请有事实依据",
            amount_awarded="12800.50",
        )
    ruling = Ruling.objects.get(case=filed, kind=RulingKind.JUDGMENT)
    with ruling.pdf.open("rb") as f:
        text = text_of(f.read())
    assert "民事判决书" in text and "民初" in text and "12800.50" in text
    assert "原告" in text and "被告" in text and "黄大明" in text

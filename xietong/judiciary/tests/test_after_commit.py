"""Judgments and hearing notices render after the commit: no lock is held while a PDF renders."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.support.judiciary import after_commit, schedule_hearing, serve_hearing_notice
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.documents.render import sha256
from xietong.judiciary.choices import HearingStatus, OutcomeKind, RulingKind
from xietong.judiciary.models import Hearing, Ruling
from xietong.judiciary.services import hearing_notice_deliver, hearing_schedule, hearing_set_status, ruling_deliver
from xietong.judiciary.services import trial_outcome_record as record_outcome
from xietong.service.models import ServedDocument

from .conftest import FAKE_PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """Each render, with how many transactions were open around it (the test's own is the baseline)."""
    seen: list[int] = []
    baseline = len(connection.atomic_blocks)

    def fake(*args, **kwargs):
        seen.append(len(connection.atomic_blocks) - baseline)
        return FAKE_PDF

    monkeypatch.setattr("xietong.judiciary.documents.render_pdf", fake)
    monkeypatch.setattr("xietong.judiciary.documents.pdf_from_html", fake)
    return seen


@pytest.fixture
def held(world, filed):
    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    serve_hearing_notice(filed, world.users["clerk"])
    hearing_set_status(actor=world.users["judge"], hearing=hearing, status=HearingStatus.HELD)
    return filed


def test_a_judgment_is_frozen_in_its_transaction_and_rendered_and_served_after_it(world, held, renders):
    judge = world.users["judge"]
    with after_commit() as callbacks:
        record_outcome(actor=judge, case=held, kind=OutcomeKind.JUDGMENT, summary="被告应还款", amount_awarded="100")
        ruling = Ruling.objects.get(case=held, kind=RulingKind.JUDGMENT)
        assert not ruling.pdf and ruling.sha256 == "" and ruling.body  # the text is frozen, no PDF yet
        assert renders == []
        assert not ServedDocument.objects.filter(case=held, kind="judgment").exists()
    assert len(callbacks) >= 1 and renders == [0]  # rendered once, with no transaction open
    ruling.refresh_from_db()
    assert ruling.pdf and ruling.sha256 == sha256(FAKE_PDF)
    recorded = AuditEntry.objects.filter(action=AuditAction.JUDICIARY_RULING, object_id=str(ruling.pk))
    frozen, rendered = recorded.order_by("seq")
    assert frozen.after["body_sha256"] == sha256(ruling.body.encode()) and frozen.after["sha256"] == ""
    assert rendered.after == {"case": held.number, "rendered": True, "sha256": ruling.sha256}
    served = ServedDocument.objects.get(case=held, kind="judgment")
    assert served.sha256 == ruling.sha256
    assert served.title == f"判决书 {ruling.number}"  # its title, in the parties' text message too, is Chinese
    ruling_deliver(ruling_id=ruling.pk, judge_id=judge.pk)  # the task run twice serves nothing more
    assert ServedDocument.objects.filter(case=held, kind="judgment").count() == 1 and renders == [0]


def test_a_hearing_notice_is_frozen_in_its_transaction_and_rendered_and_served_after_it(world, filed, renders):
    clerk = world.users["clerk"]
    from django.utils import timezone

    with after_commit() as callbacks:
        hearing = hearing_schedule(
            actor=clerk,
            case=filed,
            starts_at=timezone.now() + timezone.timedelta(days=3),
            place="第三法庭",
            judge=world.users["judge"],
        )
        assert renders == [] and hearing.notice_id is None
        assert "传票" in hearing.notice_html and filed.number in hearing.notice_html
        entry = AuditEntry.objects.filter(action=AuditAction.JUDICIARY_HEARING).order_by("-seq").first()
        assert entry.after["notice_sha256"] == sha256(hearing.notice_html.encode())
    assert len(callbacks) == 1 and renders == [0]
    hearing = Hearing.objects.get(pk=hearing.pk)
    served = ServedDocument.objects.get(case=filed, kind="hearing_notice")
    assert hearing.notice_id == served.pk and served.sha256 == sha256(FAKE_PDF)
    assert served.records.count() == filed.parties.count()
    hearing_notice_deliver(hearing_id=hearing.pk, actor_id=clerk.pk)  # twice: nothing more
    assert ServedDocument.objects.filter(case=filed, kind="hearing_notice").count() == 1 and renders == [0]


def test_the_notice_is_rendered_from_the_html_frozen_when_scheduled(world, filed, monkeypatch):
    got: list[str] = []
    monkeypatch.setattr("xietong.judiciary.documents.pdf_from_html", lambda html: got.append(html) or FAKE_PDF)
    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    assert got == [Hearing.objects.get(pk=hearing.pk).notice_html]


def test_a_cancelled_hearing_gets_no_notice(world, filed, renders):
    from django.utils import timezone

    hearing = hearing_schedule(
        actor=world.users["clerk"],
        case=filed,
        starts_at=timezone.now() + timezone.timedelta(days=3),
        place="第三法庭",
        judge=world.users["judge"],
    )  # its task never ran (the worker was down)
    hearing_set_status(actor=world.users["clerk"], hearing=hearing, status=HearingStatus.CANCELLED, note="改期")
    assert hearing_notice_deliver(hearing_id=hearing.pk, actor_id=world.users["clerk"].pk).notice_id is None
    assert renders == [] and not ServedDocument.objects.filter(case=filed, kind="hearing_notice").exists()

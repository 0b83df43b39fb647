"""Served, answered, followed up and reviewed: through the service module, by the clock, with bad input
refused and nothing changed."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xietong.audit.models import AuditEntry
from xietong.audit.services import audit_verify
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.service.choices import AttemptMethod, Outcome, RecordStatus
from xietong.service.models import OrganisationDocument, OrganisationServiceRecord
from xietong.service.organisations import records_of
from xietong.suggestions.models import CourtSuggestionSettings, Suggestion, SuggestionAnswer, SuggestionState
from xietong.suggestions.services import (
    AnswerItem,
    suggestion_answer,
    suggestion_delivery_record,
    suggestion_open,
    suggestion_send,
    suggestion_sign,
    suggestions_daily,
)

from .conftest import PDF, draft_of

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TZ)


def recipients(s):
    return sorted(mail.outbox[i].to[0] for i in range(len(mail.outbox)))


def good_items():
    return [AnswerItem("adopted"), AnswerItem("partly", "新版确认书已启用，存量客户分批核对")]


def test_sent_in_the_platform_served_when_the_bank_opens_it_and_copied_to_the_regulator(
    world, people, django_capture_on_commit_callbacks
):
    s = draft_of(world)
    suggestion_sign(actor=people["judge"], suggestion=s)
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_send(actor=people["clerk"], suggestion=s)
    s.refresh_from_db()
    assert s.state == SuggestionState.SENT and s.sent_at and s.served_at is None
    recs = list(records_of(s))
    assert [(r.organisation_id, r.is_copy, r.planned_method) for r in recs] == [
        (world.bank.pk, False, AttemptMethod.ELECTRONIC),
        (world.regulator_org.pk, True, AttemptMethod.ELECTRONIC),
    ]
    assert OrganisationDocument.objects.get().file.read().startswith(b"%PDF")
    assert {"bank@example.test", "regulator@example.test"} <= set(recipients(s))
    assert "other_bank@example.test" not in recipients(s)
    # The regulator's opening serves nothing; the bank's is the time of service.
    suggestion_open(actor=people["regulator"], suggestion=s)
    s.refresh_from_db()
    assert s.state == SuggestionState.SENT
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_open(actor=people["bank"], suggestion=s)
        suggestion_open(actor=people["bank"], suggestion=s)  # a second opening changes nothing
    s.refresh_from_db()
    rec = OrganisationServiceRecord.objects.get(document__subject_id=s.pk, is_copy=False)
    assert s.state == SuggestionState.SERVED and s.served_at == rec.opened_at == rec.served_at
    assert rec.status == RecordStatus.SERVED and rec.attempts.filter(outcome=Outcome.OPENED).count() == 1
    assert AuditEntry.objects.filter(action="suggestion.serve", object_id=str(s.pk)).count() == 1
    assert AuditEntry.objects.filter(action="service.opened").count() == 2
    assert "clerk@example.test" in recipients(s)  # the drafter hears of it
    assert audit_verify()[1] is None


def test_a_second_click_on_send_sends_nothing_more(world, sent, people):
    with pytest.raises(Conflict) as err:
        suggestion_send(actor=people["clerk"], suggestion=sent)
    assert err.value.code == "already_sent"
    assert OrganisationDocument.objects.count() == 1 and OrganisationServiceRecord.objects.count() == 2


def test_a_draft_cannot_be_sent_and_only_the_court_sends(world, people):
    s = draft_of(world)
    with pytest.raises(DomainError) as err:
        suggestion_send(actor=people["clerk"], suggestion=s)
    assert err.value.code == "not_signed"
    suggestion_sign(actor=people["judge"], suggestion=s)
    for who in ("bank", "regulator", "other_judge", "mediator"):
        with pytest.raises(NotAllowed):
            suggestion_send(actor=people[who], suggestion=s)
    assert not OrganisationDocument.objects.exists()


def test_by_post_served_when_the_receipt_says_delivered(world, people):
    world.bank.address = "福建省龙岩市新罗区九一北路1号"
    world.bank.save(update_fields=["address"])
    posted = timezone.now() - dt.timedelta(days=2)
    s = draft_of(world, at=posted - dt.timedelta(days=2))
    suggestion_sign(actor=people["judge"], suggestion=s, at=posted - dt.timedelta(days=1))
    suggestion_send(
        actor=people["clerk"], suggestion=s, method=AttemptMethod.POSTAL, tracking_number="1190000001", at=posted
    )
    suggestion_open(actor=people["bank"], suggestion=s)  # reading the copy in the platform does not serve a letter
    s.refresh_from_db()
    assert s.state == SuggestionState.SENT
    received = timezone.now() - dt.timedelta(hours=3)
    suggestion_delivery_record(actor=people["clerk"], suggestion=s, outcome=Outcome.DELIVERED, at=received)
    s.refresh_from_db()
    assert s.state == SuggestionState.SERVED and s.served_at == received
    with pytest.raises(Conflict):
        suggestion_delivery_record(actor=people["clerk"], suggestion=s, outcome=Outcome.DELIVERED)


def test_by_post_needs_an_address(world, people):
    s = draft_of(world)
    suggestion_sign(actor=people["judge"], suggestion=s)
    with pytest.raises(DomainError) as err:
        suggestion_send(actor=people["clerk"], suggestion=s, method=AttemptMethod.POSTAL)
    assert err.value.code == "no_address"
    s.refresh_from_db()
    assert s.state == SuggestionState.SIGNED and not OrganisationDocument.objects.exists()


def test_the_bank_answers_each_recommendation_with_an_attachment_checked_by_content(world, sent, people):
    suggestion_open(actor=people["bank"], suggestion=sent)
    bad_file = SimpleUploadedFile("new-form.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError) as err:
        suggestion_answer(
            actor=people["bank"], suggestion=sent, actions="修订了确认书", items=good_items(), attachments=[bad_file]
        )
    assert err.value.code == "file_type"
    assert not SuggestionAnswer.objects.exists()
    sent.refresh_from_db()
    assert sent.state == SuggestionState.SERVED
    answer = suggestion_answer(
        actor=people["bank"],
        suggestion=sent,
        actions="在信用卡申请表中增设实质性送达地址确认条款，逐项填写。",
        items=good_items(),
        attachments=[SimpleUploadedFile("new-form.exe", PDF)],
    )
    sent.refresh_from_db()
    assert sent.state == SuggestionState.ANSWERED and sent.answered_at == answer.answered_at
    [att] = answer.attachments.all()
    assert att.detected_type == "pdf" and att.file.name.endswith(".pdf")  # the content's type, not the name's
    assert [i["verdict"] for i in answer.items] == ["adopted", "partly"]
    with pytest.raises(Conflict):
        suggestion_answer(actor=people["bank"], suggestion=sent, actions="again", items=good_items())
    assert SuggestionAnswer.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "kw", "error"),
    [
        ("other_bank", {}, NotAllowed),  # an answer by another institution
        ("regulator", {}, NotAllowed),
        ("clerk", {}, NotAllowed),
        ("bank", {"actions": "  "}, DomainError),
        ("bank", {"items": [AnswerItem("adopted")]}, DomainError),  # one recommendation unanswered
        ("bank", {"items": [AnswerItem("adopted"), AnswerItem("not_adopted", "")]}, DomainError),  # no reason
        ("bank", {"items": [AnswerItem("adopted"), AnswerItem("maybe", "?")]}, DomainError),
    ],
)
def test_bad_answers_change_nothing(world, sent, people, who, kw, error):
    args = {"actions": "修订了确认书", "items": good_items(), **kw}
    with pytest.raises(error):
        suggestion_answer(actor=people[who], suggestion=sent, **args)
    sent.refresh_from_db()
    assert sent.state == SuggestionState.SENT and sent.answered_at is None
    assert not SuggestionAnswer.objects.exists()


def test_a_missed_deadline_reminds_then_escalates_once_each_by_the_clock(
    world, sent, people, django_capture_on_commit_callbacks
):
    deadline = sent.reply_deadline
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = suggestions_daily(now=at(deadline, 23))
    sent.refresh_from_db()
    assert (first.reminders, first.escalations) == (0, 0) and sent.state == SuggestionState.SENT
    with django_capture_on_commit_callbacks(execute=True):
        day1 = suggestions_daily(now=at(deadline + dt.timedelta(days=1)))
        again = suggestions_daily(now=at(deadline + dt.timedelta(days=1), 15))  # the same day: nothing more
    sent.refresh_from_db()
    assert (day1.reminders, again.reminders) == (1, 0)
    assert sent.state == SuggestionState.OVERDUE and sent.reminded_at == at(deadline + dt.timedelta(days=1))
    assert recipients(sent) == ["bank@example.test"]  # the institution's operator only
    days = CourtSuggestionSettings._meta.get_field("escalate_after_days").default
    with django_capture_on_commit_callbacks(execute=True):
        early = suggestions_daily(now=at(deadline + dt.timedelta(days=days - 1)))
    assert early.escalations == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        esc = suggestions_daily(now=at(deadline + dt.timedelta(days=days)))
        later = suggestions_daily(now=at(deadline + dt.timedelta(days=days + 3)))
    sent.refresh_from_db()
    assert (esc.escalations, later.escalations, later.reminders) == (1, 0, 0)
    assert sent.escalated_at == at(deadline + dt.timedelta(days=days))
    assert recipients(sent) == ["regulator@example.test"]  # the regulator copied
    assert AuditEntry.objects.filter(action="suggestion.remind").count() == 1
    assert AuditEntry.objects.filter(action="suggestion.escalate").count() == 1
    # A late answer is still taken.
    suggestion_answer(actor=people["bank"], suggestion=sent, actions="已整改", items=good_items())
    sent.refresh_from_db()
    assert sent.state == SuggestionState.ANSWERED


def test_the_effect_review_falls_due_months_after_the_answer(world, sent, people):
    suggestion_answer(actor=people["bank"], suggestion=sent, actions="已整改", items=good_items())
    sent.refresh_from_db()
    months = CourtSuggestionSettings._meta.get_field("review_months").default
    from xietong.suggestions.services import add_months

    due = add_months(timezone.localtime(sent.answered_at).date(), months)
    assert suggestions_daily(now=at(due - dt.timedelta(days=1))).reviews == 0
    assert suggestions_daily(now=at(due)).reviews == 1
    assert suggestions_daily(now=at(due, 18)).reviews == 0
    sent.refresh_from_db()
    assert sent.state == SuggestionState.REVIEWED and sent.reviewed_at == at(due)
    assert sent.review == {"measured": False}  # drafted without figures: nothing to run again


def test_a_deadline_in_the_past_cannot_be_signed_either(world, people):
    s = draft_of(world, reply_deadline=timezone.localdate() + dt.timedelta(days=1))
    Suggestion.objects.filter(pk=s.pk).update(reply_deadline=timezone.localdate())
    with pytest.raises(DomainError) as err:
        suggestion_sign(actor=people["judge"], suggestion=s)
    assert err.value.code == "deadline_past"
    s.refresh_from_db()
    assert s.state == SuggestionState.DRAFT and s.number is None

"""The pages of a suggestion: drafting (from a candidate or not), sign-off, sending, answering, the register
and its export, downloads; bad input gets a clear message in Chinese and English and changes nothing;
an institution never sees another's suggestion."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from xietong.audit.models import AuditEntry
from xietong.service.models import OrganisationDocument
from xietong.suggestions import views
from xietong.suggestions.candidates import months_back
from xietong.suggestions.choices import Defect
from xietong.suggestions.models import CourtSuggestionSettings, Suggestion, SuggestionState
from xietong.suggestions.services import AnswerItem, suggestion_answer, suggestion_sign

from .conftest import PDF, draft_of

pytestmark = pytest.mark.django_db


def login(world, who, lang="zh-hans"):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(world.users[who])
    return c


@pytest.fixture
def standing_out(world, monkeypatch):
    rows = []
    for month in months_back(timezone.localdate(), 3)[1:]:
        for inst, count in ((world.bank, 20), (world.other_bank, 4)):
            rows.append(
                {"institution_id": inst.pk, "institution": inst.display_name, "month": month,
                 "defect": Defect.SAC_INCOMPLETE, "detail": "", "count": count, "denominator": 40}
            )  # fmt: skip
    monkeypatch.setattr(views, "defect_register", lambda **kw: rows)
    from xietong.suggestions import measure

    monkeypatch.setattr(measure, "defect_register", lambda **kw: rows)


def form_data(world, **kw):
    data = {
        "institution": world.bank.pk,
        "title": "关于规范送达地址确认书填写的司法建议",
        "copies_to": [world.regulator_org.pk],
        "problems": "送达地址确认书中姓名与地址填写混淆。",
        "causes": "信用卡申请环节未逐项核对。",
        "recommendations": "1、增设实质性送达地址确认条款\n二、定期核对客户地址\n",
        "legal_basis": "《中华人民共和国民事诉讼法》",
        "reply_deadline": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "defect": "",
        "months": "6",
    }
    data.update(kw)
    return data


def test_a_candidate_leads_to_the_drafting_page_with_its_figures(world, standing_out):
    clerk = login(world, "clerk")
    body = clerk.get("/suggestions/candidates/").content.decode()
    assert f"/suggestions/draft/?institution={world.bank.pk}&amp;defect={Defect.SAC_INCOMPLETE}" in body
    page = clerk.get(f"/suggestions/draft/?institution={world.bank.pk}&defect={Defect.SAC_INCOMPLETE}")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="draft-figures"' in body and "40" in body and "80" in body
    resp = clerk.post("/suggestions/draft/", form_data(world, defect=Defect.SAC_INCOMPLETE))
    s = Suggestion.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/suggestions/{s.pk}/"
    assert s.recommendations == ["增设实质性送达地址确认条款", "定期核对客户地址"]
    assert (s.snapshot["count"], s.snapshot["n"], s.snapshot["others_count"]) == (40, 80, 8)
    assert s.snapshot_query["defect"] == Defect.SAC_INCOMPLETE and s.snapshot_query["institution_id"] == world.bank.pk
    assert {"since", "until"} <= set(s.snapshot_query)
    assert list(s.copies_to.all()) == [world.regulator_org]


def test_drafting_without_a_candidate(world):
    clerk = login(world, "clerk")
    page = clerk.get("/suggestions/draft/").content.decode()
    default = (timezone.localdate().replace(day=1) + dt.timedelta(days=70)).isoformat()[:4]  # a date two months on
    assert 'name="reply_deadline"' in page and default in page
    assert clerk.post("/suggestions/draft/", form_data(world)).status_code == 302
    s = Suggestion.objects.get()
    assert s.snapshot == {} and s.snapshot_query == {} and s.source_case_count == 0
    detail = clerk.get(f"/suggestions/{s.pk}/").content.decode()
    assert "统计案件数" not in detail  # no figures were frozen: no "0 cases counted"
    assert f"起草 ({world.users['clerk'].full_name})" in detail  # the court sees who drafted it


@pytest.mark.parametrize(
    ("kw", "zh", "en"),
    [
        ({"recommendations": " \n  "}, "至少需要一条建议事项", "at least one recommendation"),
        ({"reply_deadline": "2020-01-01"}, "回复期限必须晚于今天", "reply deadline must be after today"),
    ],
)
def test_bad_drafts_get_a_clear_message_in_both_languages_and_nothing_is_written(world, kw, zh, en):
    for lang, text in (("zh-hans", zh), ("en", en)):
        resp = login(world, "clerk", lang).post("/suggestions/draft/", form_data(world, **kw))
        assert resp.status_code == 400
        assert text in resp.content.decode(), lang
    assert not Suggestion.objects.exists()


def test_signing_ones_own_draft_where_a_second_person_is_required(world, people):
    CourtSuggestionSettings.objects.create(court=world.court, number_prefix="闽0802", second_signer_required=True)
    s = draft_of(world, actor=people["judge"])
    for lang, text in (("zh-hans", "起草人以外的人签发"), ("en", "not the one who drafted it")):
        body = login(world, "judge", lang).post(f"/suggestions/{s.pk}/sign/", follow=True).content.decode()
        assert text in body, lang
    s.refresh_from_db()
    assert s.state == SuggestionState.DRAFT and s.number is None


def test_sign_then_send_once_a_second_click_gets_a_clear_message(world, people):
    s = draft_of(world)
    judge = login(world, "judge")
    assert judge.post(f"/suggestions/{s.pk}/sign/").status_code == 302
    s.refresh_from_db()
    assert s.state == SuggestionState.SIGNED and s.number
    clerk = login(world, "clerk")
    page = clerk.get(f"/suggestions/{s.pk}/").content.decode()
    assert 'data-testid="suggestion-send"' in page
    assert clerk.post(f"/suggestions/{s.pk}/send/", {"method": "electronic"}).status_code == 302
    for lang, text in (("zh-hans", "已发送"), ("en", "already been sent")):
        body = login(world, "clerk", lang).post(f"/suggestions/{s.pk}/send/", {"method": "electronic"}, follow=True)
        assert text in body.content.decode(), lang
    assert OrganisationDocument.objects.count() == 1
    s.refresh_from_db()
    assert s.state == SuggestionState.SENT


def test_the_bank_opens_and_answers_on_the_page(world, sent, people):
    bank = login(world, "bank")
    page = bank.get(f"/suggestions/{sent.pk}/").content.decode()
    sent.refresh_from_db()
    assert sent.state == SuggestionState.SERVED  # opening the page served it
    assert 'data-testid="answer-form"' in page
    data = {
        "actions": "增设实质性送达地址确认条款。",
        "verdict_1": "adopted",
        "verdict_2": "not_adopted",
        "reason_2": "",
    }
    for lang, text in (("zh-hans", "第2条建议未完全采纳的理由"), ("en", "why recommendation 2 was not fully adopted")):
        resp = login(world, "bank", lang).post(f"/suggestions/{sent.pk}/answer/", data)
        assert resp.status_code == 400 and text in resp.content.decode(), lang
    sent.refresh_from_db()
    assert sent.state == SuggestionState.SERVED
    data["reason_2"] = "存量客户地址核对需与外包机构协商"
    data["attachments"] = io.BytesIO(PDF)
    data["attachments"].name = "确认书.pdf"
    assert bank.post(f"/suggestions/{sent.pk}/answer/", data).status_code == 302
    sent.refresh_from_db()
    assert sent.state == SuggestionState.ANSWERED
    clerk_page = login(world, "clerk").get(f"/suggestions/{sent.pk}/").content.decode()
    assert "存量客户地址核对" in clerk_page and 'data-testid="answer-attachment"' in clerk_page
    att = sent.answer.attachments.get()
    resp = login(world, "clerk").get(f"/suggestions/{sent.pk}/attachments/{att.pk}/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"%PDF")


def test_another_institution_never_sees_the_suggestion_nor_answers_it(world, sent, people):
    other = login(world, "other_bank")
    assert other.get(f"/suggestions/{sent.pk}/").status_code == 404
    assert other.get(f"/suggestions/{sent.pk}/file.pdf").status_code == 404
    data = {"actions": "x", "verdict_1": "adopted", "verdict_2": "adopted"}
    assert other.post(f"/suggestions/{sent.pk}/answer/", data).status_code == 404
    assert sent.title not in other.get("/suggestions/").content.decode()
    sent.refresh_from_db()
    assert sent.state == SuggestionState.SENT and sent.served_at is None


def test_drafts_are_the_courts_and_the_cases_behind_are_never_shown_outside_it(world, people):
    from xietong.suggestions.models import Suggestion as S

    s = draft_of(world)
    s.source_cases.set([world.cases["bank"]])
    S.objects.filter(pk=s.pk).update(source_case_count=1)
    assert login(world, "bank").get(f"/suggestions/{s.pk}/").status_code == 404  # a draft stays in the court
    suggestion_sign(actor=people["judge"], suggestion=s)
    login(world, "clerk").post(f"/suggestions/{s.pk}/send/", {"method": "electronic"})
    number = world.cases["bank"].number
    assert number in login(world, "clerk").get(f"/suggestions/{s.pk}/").content.decode()
    for who in ("bank", "regulator"):
        body = login(world, who).get(f"/suggestions/{s.pk}/").content.decode()
        assert s.title in body and number not in body and 'data-testid="source-cases"' not in body, who
    assert login(world, "other_judge").get(f"/suggestions/{s.pk}/").status_code == 404  # another court


def test_the_pdf_download_is_audited_with_the_number(world, sent):
    resp = login(world, "clerk").get(f"/suggestions/{sent.pk}/file.pdf")
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    entry = AuditEntry.objects.filter(action="document.download").last()
    assert entry.object_id == str(sent.pk) and entry.after["suggestion"] == sent.number and entry.after["sha256"]


def test_the_register_puts_overdue_first_and_exports_without_live_formulas(world, people):
    from openpyxl import load_workbook

    late = draft_of(world, title='=HYPERLINK("http://x")')
    suggestion_sign(actor=people["judge"], suggestion=late)
    login(world, "clerk").post(f"/suggestions/{late.pk}/send/", {"method": "electronic"})
    Suggestion.objects.filter(pk=late.pk).update(reply_deadline=timezone.localdate() - dt.timedelta(days=3))
    answered = draft_of(world, title="已答复的建议")
    suggestion_sign(actor=people["judge"], suggestion=answered)
    login(world, "clerk").post(f"/suggestions/{answered.pk}/send/", {"method": "electronic"})
    items = [AnswerItem("adopted"), AnswerItem("partly", "分步实施")]
    suggestion_answer(actor=people["bank"], suggestion=answered, actions="已整改", items=items)
    draft_of(world, title="草稿")
    page = login(world, "clerk").get("/suggestions/").content.decode()
    assert page.index("HYPERLINK") < page.index("草稿") < page.index("已答复的建议")
    assert 'data-overdue="1"' in page
    assert 'data-testid="reply-rate">50%' in page and 'data-testid="adoption-rate">100%' in page
    resp = login(world, "clerk").get("/suggestions/export.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and len(rows) == 4
    assert AuditEntry.objects.filter(action="document.download", object_type="suggestions.register").exists()
    bank_rows = login(world, "bank").get("/suggestions/").content.decode()
    assert "草稿" not in bank_rows and "已答复的建议" in bank_rows
    assert login(world, "other_bank").get("/suggestions/").content.decode().count('data-testid="suggestion-row"') == 0


@pytest.mark.parametrize("who", ["mediator", "party", "station"])
def test_the_register_is_not_for_others(world, who):
    assert login(world, who).get("/suggestions/").status_code == 403
    assert login(world, who).get("/suggestions/export.xlsx").status_code == 403

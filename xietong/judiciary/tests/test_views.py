"""The judiciary's pages: the case panel's forms, the filing page, ruling downloads, the worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.support.judiciary import confirm_case, serve_hearing_notice
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.cases.choices import CaseState as S
from xietong.cases.models import Case, CaseNumber
from xietong.judiciary.models import ConfirmationReview, FilingRequest, Hearing, Ruling, TrialOutcome

from .conftest import fresh

CHECKED = {"voluntary": "on", "lawful": "on", "within_jurisdiction": "on", "parties_identified": "on"}


def as_(world, who: str) -> Client:
    c = Client()
    c.force_login(world.users[who])
    return c


def page(client: Client, case: Case) -> str:
    r = client.get(reverse("case-detail", args=[case.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_the_judge_sees_the_review_form_and_others_do_not(world, agreed):
    body = page(as_(world, "judge"), agreed)
    assert 'data-testid="review-form"' in body and 'data-testid="agreement-signed"' in body
    for who in ("clerk", "mediator", "bank", "party"):
        body = page(as_(world, who), agreed)
        assert 'data-testid="judiciary"' in body
        assert 'data-testid="review-form"' not in body, who
    # The generic buttons do not offer the steps that have their own form.
    assert 'data-testid="transition-confirm"' not in page(as_(world, "judge"), agreed)


def test_confirming_from_the_panel(world, agreed):
    client = as_(world, "judge")
    r = client.post(reverse("judiciary-review", args=[agreed.pk]), {**CHECKED, "decision": "confirm"}, follow=True)
    assert r.status_code == 200
    case = fresh(agreed)
    assert case.state == S.PERFORMING
    ruling = Ruling.objects.get(case=case)
    assert ruling.number in r.content.decode()
    # The double click: nothing more.
    client.post(reverse("judiciary-review", args=[agreed.pk]), {**CHECKED, "decision": "confirm"})
    assert CaseNumber.objects.filter(case=case, kind="民特").count() == 1


def test_an_incomplete_checklist_from_the_panel_changes_nothing(world, agreed):
    client = as_(world, "judge")
    data = {**CHECKED, "decision": "confirm"}
    del data["lawful"]
    r = client.post(reverse("judiciary-review", args=[agreed.pk]), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "msg error" in r.content.decode()
    assert fresh(agreed).state == S.AGREEMENT
    assert not ConfirmationReview.objects.exists()


def test_refusing_from_the_panel(world, agreed):
    client = as_(world, "judge")
    client.post(reverse("judiciary-review", args=[agreed.pk]), {"decision": "refuse", "reasons": ""})
    assert fresh(agreed).state == S.AGREEMENT
    client.post(
        reverse("judiciary-review", args=[agreed.pk]), {"decision": "refuse", "reasons": "协议内容违反法律规定"}
    )
    assert fresh(agreed).state == S.MEDIATING


@pytest.mark.parametrize(("who", "status"), [("clerk", 403), ("bank", 403), ("other_judge", 404), ("regulator", 403)])
def test_who_may_not_post_a_review(world, agreed, who, status):
    r = as_(world, who).post(reverse("judiciary-review", args=[agreed.pk]), {**CHECKED, "decision": "confirm"})
    assert r.status_code == status
    assert fresh(agreed).state == S.AGREEMENT


def test_a_ruling_is_downloaded_by_whoever_sees_the_case_and_audited(world, agreed):
    case = confirm_case(agreed, world.users["judge"])
    ruling = Ruling.objects.get(case=case)
    url = reverse("judiciary-ruling-pdf", args=[case.pk, ruling.pk])
    for who in ("judge", "clerk", "bank", "party", "mediator"):
        before = AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD).count()
        r = as_(world, who).get(url)
        assert r.status_code == 200, who
        assert r["Content-Type"] == "application/pdf"
        assert b"".join(r.streaming_content).startswith(b"%PDF")
        assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_DOWNLOAD).count() == before + 1
    assert Ruling.objects.get(pk=ruling.pk).sha256  # rendered on first download
    assert as_(world, "other_bank").get(url).status_code == 404
    assert as_(world, "other_judge").get(url).status_code == 404
    assert as_(world, "regulator").get(url).status_code == 403
    # Another case's ruling is not reachable through this case.
    assert (
        as_(world, "judge")
        .get(reverse("judiciary-ruling-pdf", args=[world.cases["other_bank"].pk, ruling.pk]))
        .status_code
        == 404
    )


def test_the_bank_asks_for_filing_and_the_clerk_files_from_the_filing_page(world, failed):
    body = page(as_(world, "bank"), failed)
    assert 'data-testid="request-filing"' in body
    assert 'data-testid="request-filing"' not in page(as_(world, "party"), failed)  # the debtor's side
    clerk = as_(world, "clerk")
    r = clerk.get(reverse("judiciary-file", args=[failed.pk]))
    body = r.content.decode()
    assert 'data-testid="carried-over"' in body and 'data-testid="no-filing-request"' in body
    assert "被申请人拒绝任何还款方案" in body and "黄大明" in body and "13,000.00" in body
    clerk.post(reverse("judiciary-file", args=[failed.pk]), {"note": ""})
    assert fresh(failed).state == S.FAILED  # no request yet: nothing changes
    as_(world, "bank").post(reverse("judiciary-filing-request", args=[failed.pk]), {"note": "请求立案"})
    assert FilingRequest.objects.filter(case=failed).exists()
    assert 'data-testid="file-submit"' in clerk.get(reverse("judiciary-file", args=[failed.pk])).content.decode()
    r = clerk.post(reverse("judiciary-file", args=[failed.pk]), {"note": ""}, follow=True)
    case = fresh(failed)
    assert case.state == S.FILED and "民初" in case.number
    assert case.number in r.content.decode()


def test_hearing_and_outcome_from_the_panel(world, filed):
    clerk, judge = as_(world, "clerk"), as_(world, "judge")
    assert 'data-testid="hearing-schedule"' in page(clerk, filed)
    when = timezone.localtime() + dt.timedelta(days=5)
    clerk.post(
        reverse("judiciary-hearing-new", args=[filed.pk]),
        {"starts_at": when.strftime("%Y-%m-%dT%H:%M"), "place": "第三法庭", "judge": world.users["judge"].pk},
    )
    hearing = Hearing.objects.get(case=filed)
    assert hearing.judge == world.users["judge"]
    assert hearing.starts_at.strftime("%Y-%m-%d %H:%M") == when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    # The notice renders after the commit (never run here): the page says it is being prepared,
    # and opening it renders and serves it at once.
    assert hearing.notice_id is None and hearing.notice_html
    assert 'data-testid="hearing-notice-preparing"' in page(clerk, filed)
    notice = clerk.get(reverse("judiciary-hearing-notice", args=[filed.pk, hearing.pk]))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    hearing.refresh_from_db()
    assert hearing.notice_id is not None
    assert 'data-testid="hearing-notice"' in page(clerk, filed)
    again = clerk.get(reverse("judiciary-hearing-notice", args=[filed.pk, hearing.pk]))
    assert Hearing.objects.get(pk=hearing.pk).notice_id == hearing.notice_id and again.status_code == 200
    url = reverse("judiciary-hearing-status", args=[filed.pk, hearing.pk])
    judge.post(url, {"status": "held"})
    assert Hearing.objects.get(pk=hearing.pk).status == "scheduled"  # the notice is not served yet
    body = page(judge, filed)
    status = body[body.index('data-testid="notice-status"') :][:200]
    assert "badge warn" in status
    serve_hearing_notice(filed, world.users["clerk"])
    judge.post(url, {"status": "held"})
    assert Hearing.objects.get(pk=hearing.pk).status == "held"
    assert 'data-testid="outcome-form"' in page(judge, filed)
    assert 'data-testid="outcome-form"' not in page(clerk, filed)
    judge.post(
        reverse("judiciary-outcome", args=[filed.pk]),
        {"kind": "judgment", "summary": "被告应还款", "amount_awarded": "13000.00"},
    )
    assert fresh(filed).state == S.TRIED
    ruling = Ruling.objects.get(case=filed, kind="judgment")
    assert not ruling.pdf and 'data-testid="pdf-preparing"' in page(judge, filed)  # rendered after the commit
    assert TrialOutcome.objects.get(case=filed).amount_awarded == 13000


def test_the_worklist_for_the_court(world, agreed):
    r = as_(world, "judge").get(reverse("judiciary-worklist"))
    body = r.content.decode()
    assert r.status_code == 200 and agreed.number in body and 'data-testid="row-confirm"' in body
    assert agreed.number not in as_(world, "other_judge").get(reverse("judiciary-worklist")).content.decode()
    for who in ("bank", "mediator", "party", "regulator"):
        assert as_(world, who).get(reverse("judiciary-worklist")).status_code == 403


def test_the_worklist_states_the_centers_own_target(world, agreed, monkeypatch):
    # The target comes from cases.definitions, not a number of the page's own.
    monkeypatch.setattr("xietong.judiciary.views.TARGET_DAYS", 21)
    with translation.override("en"):
        body = as_(world, "judge").get(reverse("judiciary-worklist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "past the 21-day target" in body


def test_the_worklist_marks_overdue_cases_and_filing_requests(world, failed):
    Case.objects.filter(pk=failed.pk).update(submitted_at=timezone.now() - dt.timedelta(days=45))
    body = as_(world, "clerk").get(reverse("judiciary-worklist")).content.decode()
    row = body[body.index('data-testid="row-filing"') - 200 :][:1500]
    assert 'class="overdue"' in row and "badge warn" in row  # overdue, and not requested yet
    from xietong.judiciary.services import filing_request_create

    filing_request_create(actor=world.users["bank"], case=failed)
    body = as_(world, "clerk").get(reverse("judiciary-worklist")).content.decode()
    assert 'data-testid="requested"' in body


def _reload_urls() -> None:
    import importlib

    from django.urls import clear_url_caches

    import xietong.urls

    importlib.reload(xietong.urls)
    clear_url_caches()


def test_a_stored_ruling_is_not_served_under_media_even_in_dev_only_through_its_view(
    world, agreed, settings, django_capture_on_commit_callbacks
):
    """/media/ is never served: a ruling's guessable file name gives nothing, logged in or not, DEBUG or not;
    the ruling is downloaded only through its audited view, which applies the case's visibility."""
    with django_capture_on_commit_callbacks(execute=True):
        case = confirm_case(agreed, world.users["judge"], render=True)
    ruling = Ruling.objects.get(case=case)
    assert ruling.pdf and ruling.pdf.storage.exists(ruling.pdf.name)
    path = settings.MEDIA_URL + ruling.pdf.name
    settings.DEBUG = True  # the dev settings (the demo)
    _reload_urls()
    try:
        assert Client().get(path).status_code == 404
        assert as_(world, "judge").get(path).status_code == 404
        view = reverse("judiciary-ruling-pdf", args=[case.pk, ruling.pk])
        assert as_(world, "judge").get(view).status_code == 200
        assert as_(world, "other_bank").get(view).status_code == 404
    finally:
        settings.DEBUG = False
        _reload_urls()


def test_the_panel_offers_the_paper_request_to_whom_the_service_accepts_it_from(world, failed):
    """judiciary.record_paper_request: the center and the clerks of the case's court, never a judge."""
    for who in ("admin", "clerk"):
        body = page(as_(world, who), failed)
        assert 'data-testid="request-filing"' in body and 'name="note"' in body, who
    assert 'data-testid="request-filing"' not in page(as_(world, "judge"), failed)
    as_(world, "admin").post(
        reverse("judiciary-filing-request", args=[failed.pk]), {"note": "原告于窗口递交立案申请书"}
    )
    assert FilingRequest.objects.get(case=failed).channel == "paper"

"""The pages of a suggestion: draft from a candidate, sign-off (twice: a clear message), downloads, who sees it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from xietong.suggestions import views
from xietong.suggestions.candidates import months_back
from xietong.suggestions.choices import Defect
from xietong.suggestions.models import Suggestion, SuggestionState

from .test_drafting import grant

pytestmark = pytest.mark.django_db


def login(world, who):
    c = Client()
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


def test_draft_from_a_candidate_freezes_the_figures_then_sign_off_once(world, standing_out):
    clerk = login(world, "clerk")
    data = {"institution": world.bank.pk, "defect": Defect.SAC_INCOMPLETE, "legal_basis": "《民事诉讼法》"}
    resp = clerk.post("/suggestions/draft/", {**data, "recommendations": "  \n"})
    assert resp.status_code == 302 and not Suggestion.objects.exists()  # no recommendation: nothing drafted
    resp = clerk.post("/suggestions/draft/", {**data, "recommendations": "规范填写\n定期核对"})
    s = Suggestion.objects.get()
    assert s.snapshot["count"] == 40 and s.snapshot["n"] == 80 and s.snapshot_query["defect"] == Defect.SAC_INCOMPLETE
    assert s.recommendations == ["规范填写", "定期核对"] and s.source_case_count == 80
    grant(world.users["judge"])
    judge = login(world, "judge")
    assert judge.post(f"/suggestions/{s.pk}/sign/").status_code == 302
    s.refresh_from_db()
    number = s.number
    assert s.state == SuggestionState.SIGNED and number
    resp = judge.post(f"/suggestions/{s.pk}/sign/", follow=True)
    assert "已签发" in resp.content.decode() or "already" in resp.content.decode()
    s.refresh_from_db()
    assert s.number == number
    assert clerk.get(f"/suggestions/{s.pk}/file.pdf").content.startswith(b"%PDF")
    assert login(world, "bank").get(f"/suggestions/{s.pk}/").status_code == 200
    assert login(world, "other_bank").get(f"/suggestions/{s.pk}/").status_code == 404
    assert login(world, "mediator").get("/suggestions/").status_code == 403

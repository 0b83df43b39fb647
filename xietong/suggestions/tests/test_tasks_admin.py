"""The daily follow-up is a periodic task (idempotent per day); the court's settings and the signers' group."""

from __future__ import annotations

import pytest
from django.test import Client

from xietong.audit.models import AuditEntry
from xietong.core.errors import DomainError
from xietong.ops.periodic import periodic_jobs
from xietong.suggestions.models import CourtSuggestionSettings
from xietong.suggestions.services import court_settings_save, may_sign, signer_appoint

pytestmark = pytest.mark.django_db


def test_the_daily_follow_up_is_scheduled_once_a_day_and_runs(world):
    job = periodic_jobs()["xietong.suggestions.tasks.suggestions_daily_task"]
    assert job.once_per == "day"
    result = job.task.call()
    assert set(result) >= {"reminders", "escalations", "reviews"} and result["errors"] == 0


def test_the_courts_settings_are_saved_audited_and_in_the_back_office(world):
    cfg = court_settings_save(actor=world.users["admin"], court=world.court, number_prefix="闽0802", review_months=4)
    assert CourtSuggestionSettings.objects.get(court=world.court).review_months == 4 == cfg.review_months
    assert AuditEntry.objects.filter(action="reference.change", object_type="suggestions.courtsuggestionsettings")
    admin = world.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    c = Client()
    c.force_login(admin)
    assert c.get("/admin/suggestions/courtsuggestionsettings/").status_code == 200
    assert c.get(f"/admin/suggestions/courtsuggestionsettings/{cfg.pk}/change/").status_code == 200
    assert c.get("/admin/suggestions/suggestion/").status_code == 200


def test_a_judge_appointed_to_the_signers_group_may_sign(world):
    judge = world.users["judge"]
    assert not may_sign(judge)
    signer_appoint(actor=world.users["admin"], user=judge)
    assert may_sign(type(judge).objects.get(pk=judge.pk))
    with pytest.raises(DomainError):  # a bank's operator signs nothing of the court's
        signer_appoint(actor=world.users["admin"], user=world.users["bank"])

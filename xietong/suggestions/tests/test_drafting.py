"""Drafting and sign-off: the number in the court's form, and bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xietong.accounts.models import Organisation
from xietong.audit.models import AuditEntry
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.suggestions.models import CourtSuggestionSettings, Suggestion, SuggestionState
from xietong.suggestions.services import add_months, suggestion_draft, suggestion_sign

from .conftest import grant

pytestmark = pytest.mark.django_db


def draft(world, **kw):
    args = {
        "actor": world.users["clerk"],
        "institution": world.bank,
        "title": "关于规范送达地址确认工作的司法建议",
        "problems": "送达地址确认书填写不完整。",
        "recommendations": ["规范填写送达地址确认书", "定期核对客户地址"],
        "legal_basis": "《中华人民共和国民事诉讼法》",
    }
    args.update(kw)
    return suggestion_draft(**args)


def test_the_default_deadline_is_two_months(world):
    s = draft(world)
    assert s.reply_deadline == add_months(timezone.localdate(), 2)
    assert s.recommendations == ["规范填写送达地址确认书", "定期核对客户地址"] and s.number is None


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"recommendations": ["  ", ""]}, "no_recommendations"),
        ({"reply_deadline": dt.date(2020, 1, 1)}, "deadline_past"),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(world, kw, code):
    with pytest.raises(DomainError) as err:
        draft(world, **kw)
    assert err.value.code == code
    assert not Suggestion.objects.exists()


def test_sign_off_numbers_in_the_courts_form_without_repeats(world):
    court = world.users["clerk"].organisation
    CourtSuggestionSettings.objects.create(court=court, number_prefix="闽08", second_signer_required=True)
    judge = grant(world.users["judge"])
    year = timezone.localdate().year
    a = suggestion_sign(actor=judge, suggestion=draft(world))
    b = suggestion_sign(actor=judge, suggestion=draft(world))
    assert (a.number, b.number) == (f"（{year}）闽08司建1号", f"（{year}）闽08司建2号")
    assert a.state == SuggestionState.SIGNED and a.signed_by == judge
    assert AuditEntry.objects.filter(action="suggestion.sign").count() == 2


def test_signing_ones_own_draft_when_a_second_person_is_required(world):
    court = world.users["clerk"].organisation
    CourtSuggestionSettings.objects.create(court=court, number_prefix="闽08", second_signer_required=True)
    judge = grant(world.users["judge"])
    s = draft(world, actor=judge)
    with pytest.raises(NotAllowed):
        suggestion_sign(actor=judge, suggestion=s)
    s.refresh_from_db()
    assert s.state == SuggestionState.DRAFT and s.number is None


def test_without_the_permission_or_twice(world):
    s = draft(world)
    with pytest.raises(NotAllowed):
        suggestion_sign(actor=world.users["judge"], suggestion=s)
    judge = grant(world.users["judge"])
    suggestion_sign(actor=judge, suggestion=s)
    with pytest.raises(Conflict):
        suggestion_sign(actor=judge, suggestion=s)
    assert Suggestion.objects.get().number.endswith("司建1号")


def test_copies_go_to_regulators_only(world):
    with pytest.raises(DomainError):
        draft(world, copies_to=[world.other_bank])
    regulator = world.users["regulator"].organisation
    assert isinstance(regulator, Organisation)
    assert list(draft(world, copies_to=[regulator]).copies_to.all()) == [regulator]

"""The stored query reproduces the frozen figures; the effect review runs it again after the answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xietong.cases.models import Case
from xietong.service.choices import AttemptMethod, DocumentKind, Outcome
from xietong.service.services import service_attempt_record, service_send
from xietong.service.tests.conftest import PDF, on_file, person_party
from xietong.suggestions.choices import Defect
from xietong.suggestions.measure import Query, run
from xietong.suggestions.models import CourtSuggestionSettings, SuggestionState
from xietong.suggestions.services import (
    AnswerItem,
    suggestion_answer,
    suggestion_open,
    suggestion_send,
    suggestion_sign,
    suggestions_daily,
)

from .conftest import draft_of

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def letter(world, key: str, outcome: str, when: dt.datetime, n: int) -> None:
    case = world.cases[key]
    party = person_party(case)
    doc = service_send(
        actor=world.users["clerk"],
        case=case,
        kind=DocumentKind.NOTICE,
        title=f"通知书{n}",
        content=PDF + str(n).encode(),
        filename="n.pdf",
        recipients=[party],
        at=when,
    )
    service_attempt_record(
        actor=world.users["clerk"],
        record=doc.records.get(recipient=party),
        method=AttemptMethod.POSTAL,
        outcome=outcome,
        at=when + dt.timedelta(hours=2),
    )


@pytest.fixture
def history(world):
    """Before: the bank's letters fail half the time, the other bank's never. After: the bank's rarely."""
    for key in ("bank", "other_bank"):
        Case.objects.filter(pk=world.cases[key].pk).update(submitted_at=days_ago(200))
        on_file(person_party(world.cases[key]).person)
    n = 0
    for d in range(180, 95, -5):  # 17 letters each before day 90
        n += 1
        letter(world, "bank", Outcome.ADDRESS_WRONG if n % 2 else Outcome.DELIVERED, days_ago(d), n)
        letter(world, "other_bank", Outcome.DELIVERED, days_ago(d), n)
    for d in range(75, 20, -5):  # 11 letters each after the answer (day 80)
        n += 1
        letter(world, "bank", Outcome.MOVED if d == 50 else Outcome.DELIVERED, days_ago(d), n)
        letter(world, "other_bank", Outcome.DELIVERED, days_ago(d), n)
    return world


def test_the_stored_query_reproduces_the_frozen_figures_whatever_came_later(history, people):
    w = history
    q = Query(defect=Defect.SERVICE_ADDRESS, institution_id=w.bank.pk, since=days_ago(186), until=days_ago(90))
    s = draft_of(w, snapshot_query=q.as_dict(), at=days_ago(90))
    assert (s.snapshot["count"], s.snapshot["n"], s.snapshot["others_count"], s.snapshot["others_n"]) == (9, 17, 0, 17)
    assert s.snapshot["p_value"] < 0.01
    assert Query.from_dict(s.snapshot_query) == q
    assert run(Query.from_dict(s.snapshot_query)) == s.snapshot  # the later letters change nothing
    assert list(s.source_cases.values_list("pk", flat=True)) == [w.cases["bank"].pk] and s.source_case_count == 1


def test_before_and_after_on_the_page_and_frozen_by_the_review(history, people):
    w = history
    CourtSuggestionSettings.objects.create(court=w.court, number_prefix="闽0802", review_months=2)
    q = Query(defect=Defect.SERVICE_ADDRESS, institution_id=w.bank.pk, since=days_ago(186), until=days_ago(90))
    s = draft_of(w, snapshot_query=q.as_dict(), at=days_ago(90))
    suggestion_sign(actor=people["judge"], suggestion=s, at=days_ago(89))
    suggestion_send(actor=people["clerk"], suggestion=s, at=days_ago(88))
    suggestion_open(actor=people["bank"], suggestion=s, at=days_ago(87))
    items = [AnswerItem("adopted"), AnswerItem("adopted")]
    suggestion_answer(
        actor=people["bank"], suggestion=s, actions="增设实质性送达地址确认条款", items=items, at=days_ago(80)
    )
    bank = Client()
    bank.force_login(w.users["bank"])
    body = bank.get(f"/suggestions/{s.pk}/").content.decode()
    assert 'data-testid="effect"' in body and 'data-phase="before"' in body and 'data-phase="after"' in body
    summary = suggestions_daily(now=NOW)
    assert summary.reviews == 1
    s.refresh_from_db()
    assert s.state == SuggestionState.REVIEWED
    before, after = s.review["before"], s.review["after"]
    assert (before["count"], before["n"]) == (9, 17)
    assert after["complete"] and after["n"] >= 10 and after["count"] == 1
    assert after["rate"] < before["rate"] / 4
    months = [p for p in s.review["series"] if p["phase"] == "after"]
    assert months and all(p["others_rate"] == 0 for p in months)
    body = bank.get(f"/suggestions/{s.pk}/").content.decode()
    assert 'data-testid="effect-after"' in body and "1/" in body

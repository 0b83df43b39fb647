"""Contacts, sessions, the affordability worksheet and time zones."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xietong.agreements.services import agreement_draft
from xietong.cases.models import Case
from xietong.cases.services import case_event_record
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.mediation.models import Affordability, ContactLog, MediationSession
from xietong.mediation.selectors import (
    affordability_for,
    mediator_overdue_counts,
    my_mediation_cases,
    session_participants,
    sessions_for,
    viewer_timezone,
)
from xietong.mediation.services import (
    OfferTerms,
    affordability_save,
    contact_log,
    offer_make,
    person_set_timezone,
    session_schedule,
    session_set_status,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC


# Affordability math --------------------------------------------------------------------------


def sheet(case, income, expenses, debts="0"):
    return Affordability(
        case=case, monthly_income=Decimal(income), monthly_expenses=Decimal(expenses), other_debts=Decimal(debts)
    )


def test_half_of_what_is_left_rounded_down_to_whole_yuan(world):
    case = world.cases["bank"]  # total 13000.00
    s = sheet(case, "8001.99", "3000.00", "0.00")
    assert s.disposable == Decimal("5001.99")
    assert s.suggested_monthly == Decimal("2500.00")
    assert isinstance(s.suggested_monthly, Decimal)
    assert s.suggested_months == 6  # 13000 / 2500 = 5.2 → 6
    assert not s.exceeds_cap and s.suggested_total == case.total


def test_exact_division_and_rounding_up(world):
    case = world.cases["bank"]
    assert sheet(case, "5000", "3000").suggested_months == 13  # 1000 a month: exactly 13
    assert sheet(case, "5400", "3000").suggested_months == 11  # 1200: 10.83 → 11


def test_the_plan_is_capped_at_36_months(world):
    case = world.cases["bank"]
    s = sheet(case, "3600", "3000", "0")  # 300 a month: 43.3 months needed
    assert s.suggested_monthly == Decimal("300.00")
    assert s.months_needed == 44 and s.suggested_months == 36 and s.exceeds_cap
    assert s.suggested_total == Decimal("10800.00")


def test_nothing_left_means_nothing_affordable(world):
    s = sheet(world.cases["bank"], "3000", "2500", "800")
    assert s.disposable == Decimal("0.00") and s.suggested_monthly == Decimal("0.00")
    assert s.months_needed is None and s.suggested_months == 36 and s.exceeds_cap


def test_the_mediator_saves_one_worksheet_per_debtor(mediating, world):
    borrower = world.persons["borrower"]
    mediator = world.users["mediator"]
    affordability_save(actor=mediator, case=mediating, person=borrower, monthly_income="8000", monthly_expenses="3000")
    s = affordability_save(
        actor=mediator, case=mediating, person=borrower, monthly_income="9000", monthly_expenses="3000"
    )
    assert Affordability.objects.count() == 1
    assert affordability_for(mediating) == s and s.suggested_monthly == Decimal("3000.00")
    assert s.suggested_months == 5


@pytest.mark.parametrize("who", ["party", "bank", "clerk", "other_mediator"])
def test_others_do_not_fill_the_worksheet(mediating, world, who):
    with pytest.raises((NotAllowed, NotFound)):
        affordability_save(
            actor=world.users[who],
            case=mediating,
            person=world.persons["borrower"],
            monthly_income="8000",
            monthly_expenses="3000",
        )
    assert not Affordability.objects.exists()


def test_the_worksheet_is_for_a_party_and_takes_money(mediating, world):
    mediator = world.users["mediator"]
    with pytest.raises(DomainError):
        affordability_save(
            actor=mediator, case=mediating, person=world.persons["other"], monthly_income="1", monthly_expenses="1"
        )
    with pytest.raises(DomainError):
        affordability_save(
            actor=mediator,
            case=mediating,
            person=world.persons["borrower"],
            monthly_income="-1",
            monthly_expenses="1",
        )
    assert not Affordability.objects.exists()


# Contacts --------------------------------------------------------------------------------------


def test_the_mediator_logs_contacts_with_a_party(mediating, world):
    party = mediating.parties.get(person__isnull=False)
    entry = contact_log(
        actor=world.users["mediator"],
        case=mediating,
        channel="call",
        outcome="reached",
        party=party,
        next_step="call again",
        next_step_on=timezone.localdate() + dt.timedelta(days=3),
    )
    assert entry.party == party
    rows = my_mediation_cases(actor=world.users["mediator"]).rows
    assert [r.case.pk for r in rows] == [mediating.pk] and rows[0].next_step == "call again"


@pytest.mark.parametrize("move", ["session", "offer", "agreement", "state"])
def test_the_next_step_is_not_shown_once_the_case_moved_on(mediating, world, move):
    m = world.users["mediator"]
    contact_log(actor=m, case=mediating, channel="call", outcome="reached", next_step="call back on Friday")
    row = my_mediation_cases(actor=m).rows[0]
    assert row.next_step == "call back on Friday" and row.moved_on is None
    if move == "session":
        session_schedule(actor=m, case=mediating, starts_at=AT, mode="in_person", place="第一调解室")
    elif move == "offer":
        first = timezone.localdate() + dt.timedelta(days=20)
        offer_make(actor=world.users["party"], case=mediating, terms=OfferTerms("12000.00", 6, first))
    elif move == "agreement":
        first = timezone.localdate() + dt.timedelta(days=20)
        agreement_draft(actor=m, case=mediating, waived="0", first_due=first, default_clause="全部到期", months=6)
    else:  # the case went back to triage, or on: any change of state
        case_event_record(mediating, actor=m, kind="start_mediation", from_state="triaged", to_state="mediating")
    row = my_mediation_cases(actor=m).rows[0]
    assert row.next_step == "" and row.next_step_on is None and row.moved_on is not None
    # A contact after that is the mediator's new next step.
    contact_log(actor=m, case=mediating, channel="sms", outcome="reached", next_step="wait for the signature")
    row = my_mediation_cases(actor=m).rows[0]
    assert row.next_step == "wait for the signature" and row.moved_on is None


def test_the_mediators_list_comes_in_pages_of_50_with_counts(pool, world):
    from tests.support.world import more_cases

    made = more_cases(world, 60)  # with the world's bank case: 61, all the mediator's
    Case.objects.filter(pk__in=[c.pk for c in made[:7]]).update(submitted_at=timezone.now() - dt.timedelta(days=45))
    Case.objects.filter(pk__in=[c.pk for c in made[7:9]]).update(
        state="performing", submitted_at=timezone.now() - dt.timedelta(days=90)
    )  # repaying: neither in the list nor overdue
    m = world.users["mediator"]
    first = my_mediation_cases(actor=m)
    assert (len(first.rows), first.total, first.overdue) == (50, 59, 7)
    assert first.page.paginator.count == 59 and first.page.has_next()
    second = my_mediation_cases(actor=m, page=2)
    assert len(second.rows) == 9 and not {r.case.pk for r in first.rows} & {r.case.pk for r in second.rows}
    late = my_mediation_cases(actor=m, overdue_only=True)
    assert {r.case.pk for r in late.rows} == {c.pk for c in made[:7]} and late.total == 59
    assert mediator_overdue_counts([m.pk]) == {m.pk: 7}


def test_contacts_refused_for_others_or_outside_parties(mediating, world):
    other_party = world.cases["other_court"].parties.first()
    with pytest.raises(DomainError):
        contact_log(actor=world.users["mediator"], case=mediating, channel="call", outcome="reached", party=other_party)
    with pytest.raises(NotAllowed):
        contact_log(actor=world.users["clerk"], case=mediating, channel="call", outcome="reached")
    with pytest.raises(DomainError):
        contact_log(actor=world.users["mediator"], case=mediating, channel="fax", outcome="reached")
    assert not ContactLog.objects.exists()


def test_contacts_need_a_case_in_triage_or_mediation(world):
    case = world.cases["other_bank"]  # submitted, no mediator yet
    Case.objects.filter(pk=case.pk).update(mediator=world.users["mediator"])
    with pytest.raises(DomainError) as exc:
        contact_log(actor=world.users["mediator"], case=case, channel="call", outcome="reached")
    assert exc.value.code == "illegal_state"


# Sessions and time zones -------------------------------------------------------------------------


AT = dt.datetime(2030, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 09:00 in Jakarta


def test_an_online_session_needs_an_https_link_and_in_person_a_place(mediating, world):
    m = world.users["mediator"]
    for link in ("", "http://meet.example/x", "javascript:alert(1)"):
        with pytest.raises(DomainError):
            session_schedule(actor=m, case=mediating, starts_at=AT, mode="online", meeting_link=link)
    with pytest.raises(DomainError):
        session_schedule(actor=m, case=mediating, starts_at=AT, mode="in_person", place=" ")
    with pytest.raises(DomainError):
        session_schedule(actor=m, case=mediating, starts_at=AT.replace(tzinfo=None), mode="in_person", place="A")
    assert not MediationSession.objects.exists()
    s = session_schedule(actor=m, case=mediating, starts_at=AT, mode="online", meeting_link="https://meet.example/x")
    again = session_schedule(
        actor=m, case=mediating, starts_at=AT, mode="online", meeting_link="https://meet.example/x"
    )
    assert s.pk == again.pk and list(sessions_for(mediating)) == [s]
    assert mediating.events.filter(kind="mediation_session").count() == 1


def test_session_status_changes_once(mediating, world):
    m = world.users["mediator"]
    s = session_schedule(actor=m, case=mediating, starts_at=AT, mode="in_person", place="第一调解室")
    with pytest.raises(NotFound):
        session_set_status(actor=world.users["other_mediator"], session=s, status="held")
    assert session_set_status(actor=m, session=s, status="held").status == "held"
    assert session_set_status(actor=m, session=s, status="held").status == "held"
    with pytest.raises(Conflict):
        session_set_status(actor=m, session=s, status="cancelled")


def test_nothing_of_mediation_is_written_once_the_case_has_ended(mediating, world):
    # restrict(actor, "change"): a mediator (or a party) sees an ended case but writes nothing to it.
    m = world.users["mediator"]
    s = session_schedule(actor=m, case=mediating, starts_at=AT, mode="in_person", place="第一调解室")
    Case.objects.filter(pk=mediating.pk).update(state="withdrawn")
    with pytest.raises(NotAllowed) as exc:
        session_set_status(actor=m, session=s, status="held")
    assert exc.value.code == "case_ended"
    with pytest.raises(NotAllowed):
        person_set_timezone(actor=world.users["party"], case=mediating, person=world.persons["relative"], tz="UTC")
    s.refresh_from_db()
    assert s.status == "scheduled"


def test_a_party_abroad_sees_the_session_in_jakarta_time(mediating, world):
    s = session_schedule(
        actor=world.users["mediator"], case=mediating, starts_at=AT, mode="online", meeting_link="https://m.example/1"
    )
    relative = world.persons["relative"]  # the party user acts through this person
    relative.timezone = "Asia/Jakarta"
    relative.save(update_fields=["timezone"])
    party_user = world.users["party"]
    assert viewer_timezone(party_user) == "Asia/Jakarta"
    assert viewer_timezone(world.users["mediator"]) == "Asia/Shanghai"
    assert s.local_time("Asia/Jakarta").strftime("%H:%M") == "09:00"
    assert s.local_time("Asia/Shanghai").strftime("%H:%M") == "10:00"
    zones = {p.name: p.timezone for p in session_participants(mediating)}
    assert zones["黄小明"] == "Asia/Jakarta" and zones["黄大明"] == "Asia/Shanghai"
    assert zones["调解员甲"] == "Asia/Shanghai"
    assert s.local_time("Asia/Jakarta").tzinfo == zoneinfo.ZoneInfo("Asia/Jakarta")


def test_time_zone_names_are_validated(world):
    person = world.persons["borrower"]
    person.timezone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError):
        person.full_clean()
    user = world.users["party"]
    user.timezone = "Asia/Jakarta"
    user.full_clean()


def test_time_zones_are_set_by_the_mediator_or_the_person_themself(mediating, world):
    from xietong.audit.choices import AuditAction
    from xietong.audit.models import AuditEntry
    from xietong.mediation.services import person_set_timezone

    borrower, relative = world.persons["borrower"], world.persons["relative"]
    person_set_timezone(actor=world.users["mediator"], case=mediating, person=borrower, tz="Asia/Jakarta")
    borrower.refresh_from_db()
    assert borrower.timezone == "Asia/Jakarta"
    assert AuditEntry.objects.filter(action=AuditAction.PERSON_UPDATE, object_id=str(borrower.pk)).count() == 1
    # The party user (acting as the relative) sets their own, not the borrower's.
    person_set_timezone(actor=world.users["party"], case=mediating, person=relative, tz="Asia/Singapore")
    with pytest.raises(NotAllowed):
        person_set_timezone(actor=world.users["party"], case=mediating, person=borrower, tz="Asia/Shanghai")
    with pytest.raises(DomainError):
        person_set_timezone(actor=world.users["mediator"], case=mediating, person=borrower, tz="Mars/Base")
    with pytest.raises(DomainError):
        person_set_timezone(
            actor=world.users["mediator"], case=mediating, person=world.persons["other"], tz="Asia/Tokyo"
        )
    with pytest.raises(NotAllowed):
        person_set_timezone(actor=world.users["clerk"], case=mediating, person=borrower, tz="Asia/Tokyo")
    borrower.refresh_from_db()
    relative.refresh_from_db()
    assert (borrower.timezone, relative.timezone) == ("Asia/Jakarta", "Asia/Singapore")


def test_the_timeline_reads_in_the_readers_language(mediating, world):
    from django.utils import translation

    first = timezone.localdate() + dt.timedelta(days=20)
    with translation.override("zh-hans"):
        agreement_draft(
            actor=world.users["mediator"],
            case=mediating,
            waived="0",
            first_due=first,
            default_clause="全部到期",
            months=6,
        )
    event = mediating.events.get(kind="agreement_drafted")
    assert "instalments" not in event.note  # written by a mediator working in Chinese
    with translation.override("en"):
        assert event.detail.startswith("Version 1: ") and event.detail.endswith(" yuan in 6 instalments.")
        html = _page(world, "mediator", mediating)
    assert event.detail in html or "yuan in 6 instalments." in html


def _page(world, who, case):
    from django.test import Client

    c = Client()
    c.force_login(world.users[who])
    return c.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_mediation_session_is_held_not_a_court_hearing():
    from django.utils import translation

    from xietong.mediation.forms import SessionStatusForm

    with translation.override("zh-hans"):
        labels = {k: str(v) for k, v in SessionStatusForm().fields["status"].choices}
    assert labels["held"] == "已进行" and "开庭" not in "".join(labels.values())

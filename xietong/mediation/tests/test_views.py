from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from xietong.cases.models import Case
from xietong.mediation.models import Affordability, Assignment, ContactLog, MediationSession, Offer
from xietong.mediation.services import OfferTerms, affordability_save, offer_make, session_schedule

pytestmark = pytest.mark.django_db
AT = dt.datetime(2030, 3, 2, 2, 0, tzinfo=dt.UTC)


def client(world, who):
    c = Client()
    c.force_login(world.users[who])
    return c


def page(world, who, case, query=""):
    resp = client(world, who).get(f"/cases/{case.pk}/{query}")
    assert resp.status_code == 200
    return resp.content.decode()


def _first():
    return (timezone.localdate() + dt.timedelta(days=20)).isoformat()


def test_the_mediator_sees_every_part_of_the_panel(mediating, world):
    html = page(world, "mediator", mediating)
    for testid in ("mediation-panel", "contact-form", "session-form", "afford-form", "offer-form"):
        assert f'data-testid="{testid}"' in html, testid
    assert 'data-testid="mediation-assign"' not in html


def test_the_party_sees_offers_and_sessions_in_their_time_but_no_internal_notes(mediating, world):
    m = world.users["mediator"]
    session_schedule(actor=m, case=mediating, starts_at=AT, mode="online", meeting_link="https://m.example/1")
    from xietong.mediation.services import contact_log

    contact_log(actor=m, case=mediating, channel="call", outcome="reached", note="INTERNAL-NOTE-42")
    offer_make(
        actor=world.users["bank"],
        case=mediating,
        terms=OfferTerms(total="12500.00", instalments=10, first_payment_on=timezone.localdate() + dt.timedelta(9)),
    )
    relative = world.persons["relative"]
    relative.timezone = "Asia/Jakarta"
    relative.save(update_fields=["timezone"])
    html = page(world, "party", mediating)
    assert "INTERNAL-NOTE-42" not in html and 'data-testid="contacts"' not in html
    assert 'data-testid="afford-form"' not in html
    assert "2030-03-02 09:00" in html and "雅加达时间 (UTC+7)" in html  # their own time, by its name
    assert 'data-testid="offer-accept"' in html and "12500.00" in html
    # The mediator sees 10:00 (Shanghai) as their time, and the internal note.
    html = page(world, "mediator", mediating)
    assert "INTERNAL-NOTE-42" in html
    assert 'data-testid="session-your-time">2030-03-02 10:00' in html


def shown(html: str) -> str:
    """The text a reader sees: no tags, so no attribute values (data-tz, an option's value)."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.mark.parametrize(
    ("language", "jakarta", "beijing"),
    [("zh-hans", "雅加达时间 (UTC+7)", "北京时间 (UTC+8)"), ("en", "Jakarta time (UTC+7)", "Beijing time (UTC+8)")],
)
def test_time_zones_are_shown_by_their_human_names(mediating, world, language, jakarta, beijing):
    session_schedule(
        actor=world.users["mediator"], case=mediating, starts_at=AT, mode="online", meeting_link="https://m.example/1"
    )
    relative = world.persons["relative"]
    relative.timezone = "Asia/Jakarta"
    relative.save(update_fields=["timezone"])
    for who in ("party", "mediator"):
        html = client(world, who).get(f"/cases/{mediating.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        text = shown(html)
        assert "Asia/" not in text, who  # never the raw IANA key
        assert jakarta in text and beijing in text, who  # the session's times by zone

    # The zones offered: a select of human names sending the IANA key, the party's own chosen.
    def options(who: str) -> list[tuple[str, str, str]]:
        html = client(world, who).get(f"/cases/{mediating.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        select = html.split('data-testid="timezone-input"')[1].split("</select>")[0]
        return re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', select)

    assert ("Asia/Jakarta", "", jakarta) in options("mediator") and len(options("mediator")) >= 18
    assert ("Asia/Jakarta", " selected", jakarta) in options("party")
    resp = client(world, "party").post(
        f"/cases/{mediating.pk}/mediation/timezone/",
        {"person": relative.pk, "timezone": "Asia/Singapore"},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    assert ("新加坡时间 (UTC+8)" if language == "zh-hans" else "Singapore time (UTC+8)") in shown(resp.content.decode())


def test_the_operator_answers_the_debtors_offer_in_the_browser(mediating, world):
    offer = offer_make(
        actor=world.users["party"],
        case=mediating,
        terms=OfferTerms(total="11000.00", instalments=12, first_payment_on=timezone.localdate() + dt.timedelta(9)),
    )
    html = page(world, "bank", mediating)
    assert 'data-testid="offer-accept"' in html
    c = client(world, "bank")
    url = f"/cases/{mediating.pk}/mediation/offers/{offer.pk}/answer/"
    resp = c.post(url, {"answer": "accept"})
    assert resp.status_code == 302
    assert c.post(url, {"answer": "accept"}).status_code == 302  # the double click
    offer.refresh_from_db()
    assert offer.status == "accepted" and Offer.objects.count() == 1


def test_the_party_makes_and_the_bank_counters_through_the_forms(mediating, world):
    resp = client(world, "party").post(
        f"/cases/{mediating.pk}/mediation/offers/",
        {"total": "10000.00", "instalments": "24", "first_payment_on": _first(), "waived": "0"},
    )
    assert resp.status_code == 302
    offer = Offer.objects.get()
    assert offer.side == "debtor"
    resp = client(world, "bank").post(
        f"/cases/{mediating.pk}/mediation/offers/{offer.pk}/answer/",
        {
            "answer": "counter",
            "counter-total": "12000.00",
            "counter-instalments": "12",
            "counter-first_payment_on": _first(),
            "counter-waived": "0",
        },
    )
    assert resp.status_code == 302
    assert list(Offer.objects.order_by("pk").values_list("status", "side")) == [
        ("countered", "debtor"),
        ("open", "institution"),
    ]


def test_a_refused_form_changes_nothing_and_says_why(mediating, world):
    c = client(world, "party")
    resp = c.post(
        f"/cases/{mediating.pk}/mediation/offers/",
        {"total": "99999.00", "instalments": "12", "first_payment_on": _first()},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "cannot ask for more than the debt" in resp.content.decode()
    assert not Offer.objects.exists()


def test_the_clerk_assigns_automatically_and_sees_the_history(pool, world):
    case = pool.cases["other_bank"]
    html = page(world, "clerk", case)
    assert 'data-testid="assign-auto"' in html
    resp = client(world, "clerk").post(
        f"/cases/{case.pk}/mediation/assign/", {"auto": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "least loaded of 2 matching" in resp.content.decode()
    assert Assignment.objects.filter(case=case, auto=True).count() == 1
    html = page(world, "clerk", case)
    assert 'data-testid="assignment-row"' in html


def test_the_mediator_logs_schedules_and_fills_the_worksheet(mediating, world):
    c = client(world, "mediator")
    world.users["mediator"].timezone = "Asia/Jakarta"
    world.users["mediator"].save(update_fields=["timezone"])
    party = mediating.parties.get(person__isnull=False)
    base = f"/cases/{mediating.pk}/mediation"
    assert c.post(f"{base}/contacts/", {"channel": "sms", "outcome": "reached", "party": party.pk}).status_code == 302
    assert ContactLog.objects.count() == 1
    c.post(
        f"{base}/sessions/",
        {"starts_at": "2030-03-02T09:00", "duration_minutes": "60", "mode": "online", "meeting_link": "https://m.x/1"},
    )
    s = MediationSession.objects.get()
    assert s.starts_at == AT  # typed in Jakarta time
    c.post(
        f"{base}/affordability/",
        {
            "person": world.persons["borrower"].pk,
            "monthly_income": "8000",
            "monthly_expenses": "3000",
            "other_debts": "0",
            "dependants": "1",
        },
    )
    assert Affordability.objects.get().suggested_monthly == 2500
    html = page(world, "mediator", mediating, "?offer_from=worksheet")
    assert 'data-testid="offer-prefilled"' in html
    assert 'name="total" value="13000.00"' in html and 'name="instalments" value="6"' in html


def test_the_worksheet_is_shown_to_staff_not_to_parties(mediating, world):
    affordability_save(
        actor=world.users["mediator"],
        case=mediating,
        person=world.persons["borrower"],
        monthly_income="3600",
        monthly_expenses="3000",
    )
    assert 'data-testid="afford-cap"' in page(world, "clerk", mediating)
    assert 'data-testid="affordability"' not in page(world, "party", mediating)
    assert 'data-testid="affordability"' not in page(world, "bank", mediating)


def test_my_mediation_cases_lists_and_filters_overdue(mediating, world):
    c = client(world, "mediator")
    html = c.get("/mediation/").content.decode()
    assert mediating.number in html and 'data-testid="overdue-badge"' not in html
    assert mediating.number not in c.get("/mediation/?overdue=1").content.decode()
    Case.objects.filter(pk=mediating.pk).update(submitted_at=timezone.now() - dt.timedelta(days=31, hours=1))
    html = c.get("/mediation/?overdue=1").content.decode()
    assert mediating.number in html and 'data-testid="overdue-badge"' in html
    assert client(world, "clerk").get("/mediation/").status_code == 403


def test_my_mediation_cases_page_by_page_with_the_next_step_until_the_case_moves_on(mediating, world):
    from tests.support.world import more_cases
    from xietong.mediation.services import contact_log

    more_cases(world, 55)
    c = client(world, "mediator")
    contact_log(actor=world.users["mediator"], case=mediating, channel="call", outcome="reached", next_step="再联系")
    html = c.get("/mediation/").content.decode()
    assert html.count('data-testid="my-case-row"') == 50 and 'data-testid="pager-count">第 1–50 条，共 56 条<' in html
    assert "再联系" in html and 'data-testid="moved-on"' not in html  # the oldest case comes first
    first = timezone.localdate() + dt.timedelta(days=20)
    offer_make(actor=world.users["party"], case=mediating, terms=OfferTerms("12000.00", 6, first))
    html = c.get("/mediation/").content.decode()
    assert "再联系" not in html and 'data-testid="moved-on"' in html
    assert c.get("/mediation/?page=2").content.decode().count('data-testid="my-case-row"') == 6


def test_the_pool_page_and_the_profile_form(pool, world):
    Case.objects.filter(pk=pool.cases["bank"].pk).update(submitted_at=timezone.now() - dt.timedelta(days=45))
    html = client(world, "clerk").get("/mediation/pool/").content.decode()
    assert 'data-testid="pool-overdue-total">1<' in html and "1/10" in html
    assert 'data-testid="pool-edit"' not in html
    admin = client(world, "admin")
    url = f"/mediation/pool/{world.users['other_mediator'].pk}/"
    assert admin.get(url).status_code == 200
    resp = admin.post(url, {"specialties": ["mortgage"], "languages": ["en", "id"], "capacity": "7"})
    assert resp.status_code == 302
    profile = world.users["other_mediator"].mediator_profile
    profile.refresh_from_db()
    assert profile.specialties == ["mortgage"] and profile.capacity == 7 and profile.is_available is False
    assert client(world, "clerk").get(url).status_code == 403


def test_the_team_worklist_surfaces_overdue_cases(world):
    Case.objects.filter(pk=world.cases["bank"].pk).update(submitted_at=timezone.now() - dt.timedelta(days=40))
    c = client(world, "clerk")
    html = c.get("/worklists/").content.decode()
    assert 'data-testid="count-overdue">1<' in html and 'data-testid="overdue-badge"' in html
    html = c.get("/worklists/?overdue=1").content.decode()
    assert world.cases["bank"].number in html and world.cases["station"].number not in html


def test_the_party_sets_their_own_time_zone_in_the_panel(mediating, world):
    html = page(world, "party", mediating)
    assert 'data-testid="timezone-form"' in html
    relative = world.persons["relative"]
    resp = client(world, "party").post(
        f"/cases/{mediating.pk}/mediation/timezone/", {"person": relative.pk, "timezone": "Asia/Jakarta"}
    )
    assert resp.status_code == 302
    relative.refresh_from_db()
    assert relative.timezone == "Asia/Jakarta"
    assert 'data-testid="timezone-form"' not in page(world, "bank", mediating)

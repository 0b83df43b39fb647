from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.mediation.models import Offer
from xietong.mediation.selectors import accepted_offer, offers_for
from xietong.mediation.services import OfferTerms, offer_answer, offer_make

pytestmark = pytest.mark.django_db


def terms(total="12000.00", n=12, waived="199.50", **kw):
    first = kw.pop("first", timezone.localdate() + dt.timedelta(days=20))
    return OfferTerms(total=total, instalments=n, first_payment_on=first, waived=waived, **kw)


def test_the_party_offers_for_the_debtor_and_the_bank_accepts(mediating, world):
    offer = offer_make(actor=world.users["party"], case=mediating, terms=terms())
    assert offer.side == "debtor" and offer.status == "open" and offer.made_by_user == world.users["party"]
    assert offer.monthly == Decimal("1000.00")
    assert accepted_offer(mediating) is None
    done = offer_answer(actor=world.users["bank"], offer=offer, answer="accept")
    assert done.status == "accepted" and done.answered_by.startswith("bank")
    assert accepted_offer(mediating) == done
    assert mediating.events.filter(kind="offer_made").count() == 1
    assert mediating.events.filter(kind="offer_answered").count() == 1


def test_only_the_other_side_may_accept_or_reject(mediating, world):
    offer = offer_make(actor=world.users["party"], case=mediating, terms=terms())
    for answer in ("accept", "reject"):
        with pytest.raises(NotAllowed) as exc:
            offer_answer(actor=world.users["party"], offer=offer, answer=answer)
        assert exc.value.code == "own_offer"
    offer.refresh_from_db()
    assert offer.status == "open" and offer.answered_at is None


def test_double_accept_gives_the_same_result_and_writes_once(mediating, world):
    offer = offer_make(actor=world.users["bank"], case=mediating, terms=terms())
    first = offer_answer(actor=world.users["party"], offer=offer, answer="accept")
    audits = AuditEntry.objects.count()
    events = mediating.events.count()
    again = offer_answer(actor=world.users["party"], offer=offer.pk, answer="accept")
    assert again.pk == first.pk and again.status == "accepted" and again.answered_at == first.answered_at
    assert AuditEntry.objects.count() == audits and mediating.events.count() == events
    # But a reject after the accept is refused.
    with pytest.raises(Conflict):
        offer_answer(actor=world.users["party"], offer=offer, answer="reject")


def test_counter_offers_keep_one_open_offer_and_a_history(mediating, world):
    o1 = offer_make(actor=world.users["party"], case=mediating, terms=terms("10000.00", 24))
    o2 = offer_answer(actor=world.users["bank"], offer=o1, answer="counter", counter=terms("12000.00", 12))
    assert o2.parent == o1 and o2.side == "institution" and o2.status == "open"
    o1.refresh_from_db()
    assert o1.status == "countered"
    o3 = offer_answer(actor=world.users["party"], offer=o2, answer="counter", counter=terms("11000.00", 18))
    assert o3.parent == o2 and o3.side == "debtor"
    assert Offer.objects.filter(case=mediating, status="open").count() == 1
    assert [o.status for o in offers_for(mediating)] == ["countered", "countered", "open"]
    # A countered offer cannot be accepted any more.
    with pytest.raises(Conflict):
        offer_answer(actor=world.users["party"], offer=o2, answer="accept")


def test_a_new_offer_counters_the_other_side_and_replaces_ones_own(mediating, world):
    o1 = offer_make(actor=world.users["party"], case=mediating, terms=terms("10000.00"))
    o2 = offer_make(actor=world.users["party"], case=mediating, terms=terms("10500.00"))
    o1.refresh_from_db()
    assert o1.status == "withdrawn" and o2.parent is None
    o3 = offer_make(actor=world.users["bank"], case=mediating, terms=terms("12000.00"))
    o2.refresh_from_db()
    assert o2.status == "countered" and o3.parent == o2


def test_a_double_click_makes_one_offer(mediating, world):
    o1 = offer_make(actor=world.users["party"], case=mediating, terms=terms())
    o2 = offer_make(actor=world.users["party"], case=mediating, terms=terms())
    assert o1.pk == o2.pk and Offer.objects.count() == 1


def test_the_mediator_records_for_either_side(mediating, world):
    mediator = world.users["mediator"]
    with pytest.raises(DomainError) as exc:
        offer_make(actor=mediator, case=mediating, terms=terms())
    assert exc.value.code == "offer_side"
    o1 = offer_make(actor=mediator, case=mediating, terms=terms(), side="institution")
    assert o1.side == "institution"
    # ...and answers for the other side, as told by phone.
    assert offer_answer(actor=mediator, offer=o1, answer="reject").status == "rejected"


def test_a_party_speaks_for_its_own_side_only(mediating, world):
    with pytest.raises(NotAllowed):
        offer_make(actor=world.users["party"], case=mediating, terms=terms(), side="institution")
    with pytest.raises(NotAllowed):
        offer_make(actor=world.users["bank"], case=mediating, terms=terms(), side="debtor")
    assert not Offer.objects.exists()


@pytest.mark.parametrize("who", ["other_bank", "stranger", "other_mediator", "regulator"])
def test_outsiders_see_no_case(mediating, world, who):
    with pytest.raises(NotFound):
        offer_make(actor=world.users[who], case=mediating, terms=terms())
    offer = offer_make(actor=world.users["party"], case=mediating, terms=terms())
    with pytest.raises(NotFound):
        offer_answer(actor=world.users[who], offer=offer, answer="accept")
    offer.refresh_from_db()
    assert offer.status == "open"


@pytest.mark.parametrize("who", ["clerk", "judge", "admin"])
def test_staff_do_not_make_offers(mediating, world, who):
    with pytest.raises(NotAllowed):
        offer_make(actor=world.users[who], case=mediating, terms=terms())
    assert not Offer.objects.exists()


def test_offers_only_during_mediation(pool, world):
    case = pool.cases["bank"]  # triaged
    with pytest.raises(DomainError) as exc:
        offer_make(actor=world.users["party"], case=case, terms=terms())
    assert exc.value.code == "illegal_state"
    assert not Offer.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.MEDIATION_OFFER).exists()


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"total": "13000.01"}, "offer_over_debt"),
        ({"total": "0"}, "offer_total"),
        ({"total": "100.001"}, "amount_cents"),
        ({"n": 0}, "offer_instalments"),
        ({"n": 61}, "offer_instalments"),
        ({"waived": "1000.01"}, "offer_waiver"),
        ({"first": dt.date(2020, 1, 1)}, "offer_first_payment"),
    ],
)
def test_bad_terms_are_refused_and_change_nothing(mediating, world, kw, code):
    with pytest.raises(DomainError) as exc:
        offer_make(actor=world.users["party"], case=mediating, terms=terms(**kw))
    assert exc.value.code == code
    assert not Offer.objects.exists()


def test_an_api_client_acts_for_its_institution(mediating, world):
    offer = offer_make(actor=world.api_client, case=mediating, terms=terms())
    assert offer.side == "institution" and offer.made_by_user is None and offer.made_by.startswith("api:")

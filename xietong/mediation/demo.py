"""Demo data of mediation, added after the region's history (xietong/demo/region.py DEMO_EXTENSIONS).

- `profiles_seed`, at the region's setup: a profile for every demo mediator (specialties, languages —
  郑秋萍 also speaks English and Bahasa Indonesia: she mediates the debtor working in Jakarta — capacity).
- `STEPS`, taken by the region's history at their times, through the services: the clerk assigns the
  mediator (`mediation_assign`, kept in the pool's history), the party abroad sets their time zone, and
  for the story cases mediated to an agreement (the party abroad, the sick borrower's three cases) the
  mediator's contacts, the session, the debtor's offer, the bank's counter-offer and its acceptance.
- `seed`, after the history: for a few cases in mediation now: contacts, an upcoming session, a worksheet and open offers, made
  through the services, so that parties and banks can answer them in the browser.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.cases.choices import CaseState, PartyRole
from xietong.cases.models import Case, CaseParty
from xietong.parties.models import Person

from .choices import (
    ContactChannel,
    ContactOutcome,
    Language,
    OfferSide,
    OfferStatus,
    SessionMode,
    SessionStatus,
    Specialty,
)
from .models import Affordability, MediationSession, Offer
from .services import (
    OfferTerms,
    affordability_save,
    contact_log,
    mediation_assign,
    mediator_profile_save,
    offer_answer,
    offer_make,
    person_set_timezone,
    session_schedule,
    session_set_status,
)

S = Specialty
L = Language
# username → specialties, languages, capacity, available
PROFILES: dict[str, tuple[list[str], list[str], int, bool]] = {
    "mediator": (
        [S.CREDIT_CARD, S.CONSUMER_LOAN, S.GENERAL],
        [L.MANDARIN, L.MINNAN, L.ENGLISH, L.INDONESIAN],
        40,
        True,
    ),
    "mediator2": ([S.CREDIT_CARD, S.CONSUMER_LOAN], [L.MANDARIN, L.MINNAN], 60, True),
    "mediator3": ([S.RURAL_LOAN, S.BUSINESS_LOAN, S.GUARANTEE], [L.MANDARIN, L.HAKKA], 40, True),
    "mediator4": ([S.CREDIT_CARD, S.MORTGAGE, S.GENERAL], [L.MANDARIN, L.MINNAN], 40, True),
    "mediator5": ([S.BUSINESS_LOAN, S.RURAL_LOAN, S.MORTGAGE], [L.MANDARIN, L.HAKKA, L.ENGLISH], 30, True),
    "mediator6": ([S.CONSUMER_LOAN, S.GUARANTEE, S.CREDIT_CARD], [L.MANDARIN], 20, False),
}
COUNTRY_TZ = {"ID": "Asia/Jakarta", "MY": "Asia/Kuala_Lumpur", "SG": "Asia/Singapore"}
MEETING = "https://meeting.tencent.com/dm/"


@transaction.atomic
def seed(*, actor: Any) -> None:
    """Add mediation's demo data. Called once, inside the loader's transaction, at the real time."""
    rng = random.Random("xietong-mediation-demo")  # noqa: S311 - fictitious demo data
    _in_mediation_now(rng)


def profiles_seed(*, actor: Any) -> None:
    """A profile for every mediator (at the region's setup, so that assignments read their loads)."""
    admin = User.objects.filter(role=Role.CENTER_ADMIN, is_active=True).order_by("pk").first()
    for user in User.objects.filter(role=Role.MEDIATOR).order_by("pk"):
        specialties, languages, capacity, available = PROFILES.get(
            user.username, ([S.CREDIT_CARD, S.GENERAL], [L.MANDARIN], 30, True)
        )
        mediator_profile_save(
            actor=admin or actor,
            user=user,
            specialties=[str(s) for s in specialties],
            languages=[str(code) for code in languages],
            capacity=capacity,
            is_available=available,
        )


def time_zone_of(person: Person) -> str:
    """The time zone of a person who lives abroad (by the country of an address), else ""."""
    country = person.addresses.exclude(country="CN").values_list("country", flat=True).first()
    return COUNTRY_TZ.get(country or "", "")


# Steps of the region's history (`xietong.demo.engine` takes them at their times) ------------------


def _parties(case_id: int) -> tuple[CaseParty, CaseParty | None]:
    debtor = CaseParty.objects.filter(case_id=case_id, person__isnull=False).select_related("person").first()
    bank = CaseParty.objects.filter(case_id=case_id, organisation__isnull=False).first()
    assert debtor is not None and debtor.person is not None
    return debtor, bank


def step_assign(*, case_id: int, actor: Any, mediator: User) -> None:
    """The clerk assigns the mediator (kept in the pool's history with the reason)."""
    mediation_assign(actor=actor, case=case_id, mediator=mediator)


def step_time_zone(*, case_id: int, actor: Any) -> None:
    """The party abroad (or the case's mediator) sets the zone the session times are shown in."""
    debtor, _bank = _parties(case_id)
    person = debtor.agent or debtor.person
    assert person is not None
    tz = time_zone_of(person)
    if tz:
        person_set_timezone(actor=actor, case=case_id, person=person, tz=tz)


def step_contact(*, case_id: int, actor: Any, side: str) -> None:
    """The mediator calls (or messages, abroad) the debtor or the bank."""
    debtor, bank = _parties(case_id)
    person = debtor.agent or debtor.person
    abroad = person is not None and person.timezone != "Asia/Shanghai"
    today = timezone.localdate()
    if side == "bank" and bank is not None:
        contact_log(
            actor=actor,
            case=case_id,
            channel=ContactChannel.CALL,
            party=bank,
            outcome=ContactOutcome.PROGRESS,
            note="银行同意减免违约金，要求分期不超过24期。",
            next_step="组织双方调解",
            next_step_on=today + dt.timedelta(days=2),
        )
        return
    contact_log(
        actor=actor,
        case=case_id,
        channel=ContactChannel.MESSAGE if abroad else ContactChannel.CALL,
        party=debtor,
        outcome=ContactOutcome.REACHED,
        note="微信联系，当事人在雅加达，同意线上调解。" if abroad else "说明调解程序；当事人愿意分期还款。",
        next_step="约定线上调解时间" if abroad else "核实收入情况",
        next_step_on=today + dt.timedelta(days=1),
    )


def step_session(*, case_id: int, actor: Any) -> None:
    """The mediator schedules the session for the next morning, 10:00 in Longyan (online for a party abroad)."""
    debtor, _bank = _parties(case_id)
    person = debtor.agent or debtor.person
    abroad = person is not None and person.timezone != "Asia/Shanghai"
    starts = timezone.localtime() + dt.timedelta(days=1)
    starts = starts.replace(hour=10, minute=0, second=0, microsecond=0)
    rng = random.Random(f"session:{case_id}")  # noqa: S311 - fictitious demo data
    session_schedule(
        actor=actor,
        case=case_id,
        starts_at=starts,
        mode=SessionMode.ONLINE if abroad else SessionMode.IN_PERSON,
        meeting_link=f"{MEETING}{rng.randrange(10**8, 10**9)}" if abroad else "",
        place="" if abroad else "龙岩市普惠金融司法协同中心 第二调解室",
        note="双方在线参加，申请人在雅加达。" if abroad else "",
    )


def step_session_held(*, case_id: int, actor: Any) -> None:
    session = MediationSession.objects.filter(case_id=case_id, status=SessionStatus.SCHEDULED).order_by("pk").last()
    if session is not None:
        session_set_status(actor=actor, session=session, status=SessionStatus.HELD)


def _whole(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"), rounding=ROUND_DOWN).quantize(Decimal("0.01"))


def _first_due() -> dt.date:
    return (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=20)


def step_offer(*, case_id: int, actor: Any) -> None:
    """The debtor (or the relative acting for them) asks for the penalty waived and 36 instalments."""
    case = Case.objects.get(pk=case_id)
    offer_make(
        actor=actor,
        case=case,
        terms=OfferTerms(
            total=_whole((case.total - case.penalty) * Decimal("0.9")),
            instalments=36,
            first_payment_on=_first_due(),
            waived=case.penalty,
            note="请求减免违约金并分36期。",
        ),
    )


def step_counter(*, case_id: int, actor: Any, months: int) -> None:
    """The bank's operator counters: the penalty waived, principal and interest in `months` instalments."""
    case = Case.objects.get(pk=case_id)
    open_offer = Offer.objects.filter(case=case, status=OfferStatus.OPEN).order_by("pk").last()
    assert open_offer is not None
    offer_answer(
        actor=actor,
        offer=open_offer,
        answer="counter",
        counter=OfferTerms(
            total=case.total - case.penalty,
            instalments=months,
            first_payment_on=_first_due(),
            waived=case.penalty,
            note="银行同意免除违约金，本息分期。",
        ),
    )


def step_accept(*, case_id: int, actor: Any) -> None:
    open_offer = Offer.objects.filter(case_id=case_id, status=OfferStatus.OPEN).order_by("pk").last()
    assert open_offer is not None
    offer_answer(actor=actor, offer=open_offer, answer="accept")


# code → step(*, case_id, actor, **kwargs): the mediation steps of the region's history.
STEPS: dict[str, Callable[..., None]] = {
    "assign": step_assign,
    "time_zone": step_time_zone,
    "contact": step_contact,
    "session": step_session,
    "session_held": step_session_held,
    "offer": step_offer,
    "counter": step_counter,
    "accept": step_accept,
}


def _in_mediation_now(rng: random.Random) -> None:
    """A few cases in mediation today get contacts, a session, a worksheet and open offers."""
    cases = list(
        Case.objects.filter(state=CaseState.MEDIATING, mediator__isnull=False)
        .select_related("mediator", "institution")
        .order_by("submitted_at", "pk")[:8]
    )
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=20)
    now = timezone.now()
    for i, case in enumerate(cases):
        mediator = case.mediator
        debtor = CaseParty.objects.filter(case=case, person__isnull=False).select_related("person").first()
        bank = CaseParty.objects.filter(case=case, organisation__isnull=False).first()
        if mediator is None or debtor is None or debtor.person is None:
            continue
        contact_log(
            actor=mediator,
            case=case,
            channel=ContactChannel.CALL,
            outcome=ContactOutcome.REACHED if i % 3 else ContactOutcome.NOT_REACHED,
            party=debtor,
            note="电话联系被申请人，了解还款能力。" if i % 3 else "电话未接通，已发短信。",
            next_step="再次联系并核实收入" if i % 3 else "短信跟进",
            next_step_on=today + dt.timedelta(days=rng.randint(-3, 7)),
            at=now - dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 6)),
        )
        if i % 2 == 0:
            online = debtor.person.timezone != "Asia/Shanghai" or i % 4 == 0
            starts = timezone.localtime(now + dt.timedelta(days=2 + i)).replace(
                hour=10, minute=0, second=0, microsecond=0
            )
            session_schedule(
                actor=mediator,
                case=case,
                starts_at=starts,
                mode=SessionMode.ONLINE if online else SessionMode.IN_PERSON,
                meeting_link=f"{MEETING}{rng.randrange(10**8, 10**9)}" if online else "",
                place="" if online else "龙岩市普惠金融司法协同中心 第一调解室",
            )
        if i < 5:
            income = Decimal(rng.randrange(4_000, 12_000, 100))
            affordability_save(
                actor=mediator,
                case=case,
                person=debtor.person,
                monthly_income=income,
                monthly_expenses=_whole(income * Decimal("0.45")),
                other_debts=Decimal(rng.choice([0, 0, 500, 1200])),
                dependants=rng.randint(0, 3),
                note="收入以工资流水为准。",
            )
        if i < 6:
            sheet = Affordability.objects.filter(case=case).first()
            months = sheet.suggested_months if sheet else 24
            debtor_offer = offer_make(
                actor=mediator,
                case=case,
                side=OfferSide.DEBTOR,
                terms=OfferTerms(
                    total=_whole(case.total - case.penalty),
                    instalments=max(1, months),
                    first_payment_on=first,
                    waived=case.penalty,
                    note="被申请人电话提出：减免违约金后分期偿还。",
                ),
            )
            # Half of them: the bank has countered through its operator; the debtor's answer is awaited.
            operator = (
                User.objects.filter(role=Role.INSTITUTION_OPERATOR, organisation_id=case.institution_id)
                .order_by("pk")
                .first()
                if case.institution_id is not None
                else None
            )
            if i % 2 == 1 and operator is not None and bank is not None and bank.role != PartyRole.THIRD_PARTY:
                offer_answer(
                    actor=operator,
                    offer=debtor_offer,
                    answer="counter",
                    counter=OfferTerms(
                        total=debtor_offer.total,
                        instalments=max(1, min(12, debtor_offer.instalments // 2)),
                        first_payment_on=first,
                        waived=debtor_offer.waived,
                        note="分期期数最多12期。",
                    ),
                )

"""Demo data of mediation, added after the region's history (xietong/demo/region.py DEMO_EXTENSIONS).

- A profile for every demo mediator: organisation, specialties, languages (郑秋萍 also speaks English
  and Bahasa Indonesia: she mediates the debtor working in Jakarta), capacity.
- Time zones of the parties abroad (王志强 in Jakarta: Asia/Jakarta), on the person and the account.
- The assignment history of every case assigned in the history.
- For the story cases already past mediation (the party abroad, the sick borrower's three cases): the
  contacts, the online session and the offers that led to the agreement, at the times they happened.
- For a few cases in mediation now: contacts, an upcoming session, a worksheet and open offers, made
  through the services, so that parties and banks can answer them in the browser.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.audit.choices import AuditAction
from xietong.audit.services import AuditEvent, audit_record_many
from xietong.cases.choices import CaseState, PartyRole
from xietong.cases.models import Case, CaseEvent, CaseParty
from xietong.core.messages import message
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
from .models import Affordability, Assignment, ContactLog, MediationSession, Offer
from .services import (
    OfferTerms,
    affordability_save,
    contact_log,
    mediator_profile_save,
    offer_answer,
    offer_make,
    session_schedule,
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
# The history's assignments were made by hand (shown in the reader's language).
BY_HAND = message(gettext_noop("assigned by hand"))


@transaction.atomic
def seed(*, actor: Any) -> None:
    """Add mediation's demo data. Called once, inside the loader's transaction, at the real time."""
    rng = random.Random("xietong-mediation-demo")  # noqa: S311 - fictitious demo data
    _profiles()
    _time_zones(actor)
    _assignment_history()
    _story_history(actor, rng)
    _in_mediation_now(rng)


def _profiles() -> None:
    admin = User.objects.filter(role=Role.CENTER_ADMIN, is_active=True).order_by("pk").first()
    for user in User.objects.filter(role=Role.MEDIATOR).order_by("pk"):
        specialties, languages, capacity, available = PROFILES.get(
            user.username, ([S.CREDIT_CARD, S.GENERAL], [L.MANDARIN], 30, True)
        )
        mediator_profile_save(
            actor=admin,
            user=user,
            specialties=[str(s) for s in specialties],
            languages=[str(code) for code in languages],
            capacity=capacity,
            is_available=available,
        )


def _time_zones(actor: Any) -> None:
    events = []
    for person in Person.objects.filter(addresses__country__in=list(COUNTRY_TZ)).distinct().order_by("pk"):
        country = person.addresses.exclude(country="CN").values_list("country", flat=True).first()
        tz = COUNTRY_TZ.get(country or "", "")
        if not tz:
            continue
        person.timezone = tz
        person.save(update_fields=["timezone"])
        events.append(
            AuditEvent(
                action=AuditAction.PERSON_UPDATE,
                object_type="parties.person",
                object_id=str(person.pk),
                object_repr=person.name,
                before={"timezone": "Asia/Shanghai"},
                after={"timezone": tz},
            )
        )
        if person.user_id is not None:
            User.objects.filter(pk=person.user_id).update(timezone=tz)
    if events:
        audit_record_many(actor=actor, events=events)


def _assignment_history() -> None:
    """The history's assignments (made with the cases' own service) as the pool's history rows."""
    rows = []
    previous: dict[int, int] = {}
    by_name = {str(u): u.pk for u in User.objects.filter(role=Role.MEDIATOR)}
    events = CaseEvent.objects.filter(kind="mediator_assigned").order_by("at", "pk")
    for e in events.iterator():
        mediator_id = by_name.get(str(e.data.get("mediator", "")))
        if mediator_id is None:
            continue
        rows.append(
            Assignment(
                case_id=e.case_id,
                mediator_id=mediator_id,
                previous_id=previous.get(e.case_id),
                assigned_by=e.actor_label,
                auto=False,
                reason=str(BY_HAND),
                reason_message=BY_HAND.to_json(),
                at=e.at,
            )
        )
        previous[e.case_id] = mediator_id
    Assignment.objects.bulk_create(rows, batch_size=500)


def _event_at(case: Case, kind: str) -> dt.datetime | None:
    e = CaseEvent.objects.filter(case=case, kind=kind).order_by("at").first()
    return e.at if e else None


def _whole(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"), rounding=ROUND_DOWN).quantize(Decimal("0.01"))


def _story_history(actor: Any, rng: random.Random) -> None:
    """Mediation records of cases already past mediation, written at the times they happened."""
    cases = list(
        Case.objects.filter(
            parties__person__user__username__in=["wang"], state__in=[CaseState.CONFIRMED, CaseState.PERFORMING]
        ).distinct()
    )
    huang = Person.objects.filter(user__username="huang").first()
    if huang is not None:
        cases += list(
            Case.objects.filter(parties__agent=huang, mediator__isnull=False)
            .exclude(state__in=[CaseState.SUBMITTED, CaseState.TRIAGED, CaseState.MEDIATING])
            .distinct()
            .order_by("pk")[:3]
        )
    events: list[AuditEvent] = []
    for case in cases:
        started = _event_at(case, "start_mediation")
        agreed = _event_at(case, "reach_agreement")
        if started is None or agreed is None or case.mediator_id is None:
            continue
        span = agreed - started
        debtor = CaseParty.objects.filter(case=case, person__isnull=False).select_related("person").first()
        bank = CaseParty.objects.filter(case=case, organisation__isnull=False).first()
        if debtor is None or debtor.person is None:
            continue
        abroad = debtor.person.timezone != "Asia/Shanghai"
        contacts = [
            ContactLog(
                case=case,
                mediator_id=case.mediator_id,
                channel=ContactChannel.MESSAGE if abroad else ContactChannel.CALL,
                party=debtor,
                outcome=ContactOutcome.REACHED,
                note="说明调解程序；当事人愿意分期还款。" if not abroad else "微信联系，当事人在雅加达，同意线上调解。",
                next_step="约定线上调解时间" if abroad else "核实收入情况",
                next_step_on=timezone.localtime(started + span * 0.2).date(),
                at=started + span * 0.1,
            ),
        ]
        if bank is not None:
            contacts.append(
                ContactLog(
                    case=case,
                    mediator_id=case.mediator_id,
                    channel=ContactChannel.CALL,
                    party=bank,
                    outcome=ContactOutcome.PROGRESS,
                    note="银行同意减免违约金，要求分期不超过24期。",
                    next_step="组织双方调解",
                    next_step_on=timezone.localtime(started + span * 0.5).date(),
                    at=started + span * 0.25,
                )
            )
        ContactLog.objects.bulk_create(contacts)
        # Mid-way, at 10:00 in Longyan (09:00 in Jakarta) when that falls between the two steps.
        session_at = (started + span * 0.5).replace(minute=0, second=0, microsecond=0)
        morning = timezone.localtime(session_at).replace(hour=10)
        if started < morning and morning + dt.timedelta(hours=1) < agreed:
            session_at = morning
        session = MediationSession.objects.create(
            case=case,
            starts_at=session_at,
            duration_minutes=60,
            mode=SessionMode.ONLINE if abroad else SessionMode.IN_PERSON,
            meeting_link=f"{MEETING}{rng.randrange(10**8, 10**9)}" if abroad else "",
            place="" if abroad else "龙岩市普惠金融司法协同中心 第二调解室",
            status=SessionStatus.HELD,
            note="双方在线参加，申请人在雅加达。" if abroad else "",
            created_by="demo",
        )
        # Offers: the debtor asks for more months, the bank counters, the debtor accepts.
        agreed_total = case.total - case.penalty
        months = 24 if abroad else 12
        first = (timezone.localtime(agreed).date().replace(day=1) + dt.timedelta(days=32)).replace(day=20)
        mediator = User.objects.get(pk=case.mediator_id)
        ask = Offer.objects.create(
            case=case,
            side=OfferSide.DEBTOR,
            made_by=str(getattr(debtor.agent, "name", "") or debtor.person.name),
            total=_whole(agreed_total * Decimal("0.9")),
            instalments=36,
            first_payment_on=first,
            waived=case.penalty,
            note="请求减免违约金并分36期。",
            status=OfferStatus.COUNTERED,
            created_at=session_at + dt.timedelta(minutes=20),
            answered_at=session_at + dt.timedelta(minutes=40),
            answered_by=mediator.audit_label,
        )
        counter = Offer.objects.create(
            case=case,
            side=OfferSide.INSTITUTION,
            made_by=mediator.audit_label,
            total=agreed_total,
            instalments=months,
            first_payment_on=first,
            waived=case.penalty,
            note="银行同意免除违约金，本息分期。",
            parent=ask,
            status=OfferStatus.ACCEPTED,
            created_at=session_at + dt.timedelta(minutes=40),
            answered_at=session_at + dt.timedelta(minutes=55),
            answered_by=str(getattr(debtor.agent, "name", "") or debtor.person.name),
        )
        for o in (ask, counter):
            events.append(
                AuditEvent(
                    action=AuditAction.MEDIATION_OFFER,
                    object_type="cases.case",
                    object_id=str(case.pk),
                    object_repr=str(case),
                    after={"offer_id": o.pk, "side": o.side, "total": o.total, "status": o.status, "history": True},
                )
            )
        events.append(
            AuditEvent(
                action=AuditAction.MEDIATION_SESSION,
                object_type="cases.case",
                object_id=str(case.pk),
                object_repr=str(case),
                after={"session_id": session.pk, "starts_at": session.starts_at, "history": True},
            )
        )
    if events:
        audit_record_many(actor=actor, events=events)


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

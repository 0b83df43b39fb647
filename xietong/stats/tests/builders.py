"""A hand-built history for the figures' tests: cases opened through the service, then moved through
their lifecycle by writing the timeline, the numbers, plans and service records at chosen moments
(what the services would have written, at the times a test needs)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile

from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Door, NumberKind, PartyRole, Product
from xietong.cases.definitions import CLOSED_STATES
from xietong.cases.models import Case, CaseEvent, CaseNumber
from xietong.cases.services import PersonParty, case_create
from xietong.core.idgen import id_number_from
from xietong.parties.services import person_create

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(text: str) -> dt.datetime:
    """'2025-01-05 10:00' in Asia/Shanghai."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


class History:
    def __init__(self, case: Case) -> None:
        self.case = case

    @classmethod
    def open(
        cls,
        *,
        court: object,
        institution: object,
        submitted: str,
        principal: str = "10000.00",
        product: str = Product.CREDIT_CARD,
        door: str = Door.ONLINE,
        category: object = None,
        mediator: object = None,
    ) -> History:
        n = next(_seq)
        person = person_create(actor=SYSTEM, name=f"甲{n}", id_number=id_number_from(900_000 + n))
        case = case_create(
            actor=SYSTEM,
            court=court,  # type: ignore[arg-type]
            institution=institution,  # type: ignore[arg-type]
            product=product,
            door=door,
            persons=[PersonParty(person=person, role=PartyRole.RESPONDENT)],
            principal=Decimal(principal),
            category=category,  # type: ignore[arg-type]
            submitted_at=at(submitted),
        )
        if mediator is not None:
            Case.objects.filter(pk=case.pk).update(mediator=mediator)
        return cls(case)

    def to(self, state: str, when: str, *, kind: str = "") -> History:
        """The case moves to `state` at `when`: its timeline event, its state, its closing time."""
        moment = at(when)
        case = Case.objects.get(pk=self.case.pk)
        CaseEvent.objects.create(
            case=case, kind=kind or "note", at=moment, from_state=case.state, to_state=state, actor_label="test"
        )
        case.state = state
        if state in CLOSED_STATES and case.closed_at is None:
            case.closed_at = moment
        case.save()
        self.case = case
        return self

    def number(self, kind: NumberKind, when: str) -> History:
        n = next(_seq)
        CaseNumber.objects.create(
            case=self.case,
            kind=kind,
            court=self.case.court,
            year=at(when).year,
            seq=10_000 + n,
            text=f"（{at(when).year}）闽0802{kind}{10_000 + n}号",
            assigned_at=at(when),
        )
        return self

    def plan(self, *, completed: str | None = None) -> History:
        from xietong.repayment.models import RepaymentPlan

        RepaymentPlan.objects.create(
            case=self.case,
            status="completed" if completed else "active",
            basis_kind="confirmation",
            total=Decimal("100.00"),
            paid=Decimal("100.00") if completed else Decimal("0.00"),
            grace_days=5,
            default_after_missed=2,
            accelerate=True,
            completed_at=at(completed) if completed else None,
        )
        return self

    def apply_enforcement(self, when: str) -> History:
        from xietong.repayment.models import EnforcementApplication, RepaymentPlan

        plan = RepaymentPlan.objects.filter(case=self.case).first()
        assert self.case.institution is not None
        EnforcementApplication.objects.create(
            case=self.case,
            plan=plan,
            status="accepted",
            basis_kind="confirmation",
            basis_number="x",
            applicant=self.case.institution,
            applied_by_label="test",
            applied_at=at(when),
        )
        return self

    def service(self, status: str, when: str, *, failed_attempt: bool = False) -> History:
        from xietong.service.models import ServedDocument, ServiceAttempt, ServiceRecord

        doc = ServedDocument.objects.create(
            case=self.case,
            kind="notice",
            title="通知",
            file=ContentFile(b"%PDF-1.4 x", name="n.pdf"),
            sha256="0" * 64,
            size=10,
            created_at=at(when) - dt.timedelta(days=1),
        )
        party = self.case.parties.filter(person__isnull=False).first()
        served = status in ("served", "alternative")
        record = ServiceRecord.objects.create(
            document=doc,
            recipient=party,
            status=status,
            planned_method="postal",
            served_by=("postal" if status == "served" else "announcement") if served else "",
            served_at=at(when) if served else None,
            address_source="confirmed",
            created_at=at(when) - dt.timedelta(days=1),
        )
        if failed_attempt:
            ServiceAttempt.objects.create(record=record, method="postal", at=at(when), outcome="address_wrong")
        return self


def standard_history(world: object) -> dict[str, History]:
    """The world of test_measures.py: seven cases of 2024-12 .. 2025-03 with known figures."""
    w = world
    bank, other = w.bank, w.other_bank  # type: ignore[attr-defined]
    court = w.court  # type: ignore[attr-defined]
    S = CaseState
    h: dict[str, History] = {}
    # c1: agreement, confirmed, repaid in full without enforcement: closed in 36 days.
    h["c1"] = (
        History.open(court=court, institution=bank, submitted="2025-01-05 10:00", principal="1000.10")
        .to(S.TRIAGED, "2025-01-05 11:00")
        .to(S.MEDIATING, "2025-01-06 09:00")
        .to(S.AGREEMENT, "2025-01-20 15:00")
        .number(NumberKind.CONFIRMATION, "2025-01-25 10:00")
        .to(S.CONFIRMED, "2025-01-25 10:00")
        .to(S.PERFORMING, "2025-01-26 10:00")
        .plan(completed="2025-02-10 12:00")
        .to(S.FULFILLED, "2025-02-10 12:00")
        .service("served", "2025-01-21 09:00")
    )
    # c2: an agreement signed, not yet confirmed.
    h["c2"] = (
        History.open(court=court, institution=bank, submitted="2025-01-10 10:00", principal="2000.20")
        .to(S.TRIAGED, "2025-01-10 11:00")
        .to(S.MEDIATING, "2025-01-11 09:00")
        .to(S.AGREEMENT, "2025-01-15 16:00")
    )
    # c3: mediation failed, filed, tried, enforced, closed after 72 days; a service failed, one by announcement.
    h["c3"] = (
        History.open(court=court, institution=bank, submitted="2025-01-12 10:00", principal="3000.30")
        .to(S.TRIAGED, "2025-01-12 11:00")
        .to(S.MEDIATING, "2025-01-13 09:00")
        .to(S.FAILED, "2025-01-30 09:00")
        .number(NumberKind.FIRST_INSTANCE, "2025-02-05 09:00")
        .to(S.FILED, "2025-02-05 09:00")
        .to(S.TRIED, "2025-03-01 09:00")
        .number(NumberKind.ENFORCEMENT, "2025-03-20 09:00")
        .to(S.ENFORCING, "2025-03-20 09:00")
        .to(S.CLOSED, "2025-03-25 11:00")
        .service("failed", "2025-02-06 09:00", failed_attempt=True)
        .service("alternative", "2025-02-20 09:00")
    )
    # c4: withdrawn after 10 days.
    h["c4"] = (
        History.open(court=court, institution=bank, submitted="2025-02-01 10:00", principal="4000.40")
        .to(S.TRIAGED, "2025-02-01 11:00")
        .to(S.WITHDRAWN, "2025-02-11 10:00")
    )
    # c5: agreement, confirmed, repaying, then enforcement applied for and opened (执): not resolved.
    h["c5"] = (
        History.open(court=court, institution=bank, submitted="2025-02-03 10:00", principal="5000.50")
        .to(S.TRIAGED, "2025-02-03 11:00")
        .to(S.MEDIATING, "2025-02-04 09:00")
        .to(S.AGREEMENT, "2025-02-20 09:00")
        .number(NumberKind.CONFIRMATION, "2025-02-25 09:00")
        .to(S.CONFIRMED, "2025-02-25 09:00")
        .to(S.PERFORMING, "2025-02-26 09:00")
        .plan()
        .apply_enforcement("2025-03-10 09:00")
        .number(NumberKind.ENFORCEMENT, "2025-03-15 09:00")
        .to(S.ENFORCING, "2025-03-15 09:00")
    )
    # c6: rejected the day it came in.
    h["c6"] = History.open(court=court, institution=bank, submitted="2025-03-01 10:00", principal="6000.60").to(
        S.REJECTED, "2025-03-01 12:00"
    )
    # c7 (the other bank): received in December 2024, resolved and repaid in January: 29 days.
    h["c7"] = (
        History.open(court=court, institution=other, submitted="2024-12-20 10:00", principal="7000.70")
        .to(S.TRIAGED, "2024-12-20 11:00")
        .to(S.MEDIATING, "2024-12-21 09:00")
        .to(S.AGREEMENT, "2025-01-05 09:00")
        .number(NumberKind.CONFIRMATION, "2025-01-10 09:00")
        .to(S.CONFIRMED, "2025-01-10 09:00")
        .to(S.PERFORMING, "2025-01-11 09:00")
        .plan(completed="2025-01-18 09:00")
        .to(S.FULFILLED, "2025-01-18 09:00")
    )
    return h

"""Demo data of the service of documents, loaded by `load_demo` after the region (xietong/demo/region.py).

Every case of the region past triage had a mediation notice (调解通知书) served on its debtor; many
cases in later states are shown here with how that went: electronic service opened by the party
(online applicants, who confirmed a service address and consented), letters delivered, institutions
served in the platform. The Longyan Rural Commercial Bank's credit-card cases (story 5: its
card-application address forms are often filled in wrongly) come back far more often with "address
wrong" or "moved", so that bank stands out on /service/failures/.

Everything is recorded at the real time through the services (the audit trail stays in time order);
the times of sending, attempts and openings are those of the history. One small PDF is rendered once
and reused, and no message is sent for the history.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import User
from xietong.audit.services import ActorRef
from xietong.cases.choices import CaseState, Door, PartyRole, Product
from xietong.cases.models import Case, CaseParty

from .choices import AlternativeKind, AttemptMethod, DocumentKind, Outcome
from .models import ServedDocument, ServiceRecord
from .services import _lock_record, _opened, service_alternative_record, service_attempt_record, service_send

LATER_STATES = (
    CaseState.MEDIATING,
    CaseState.AGREEMENT,
    CaseState.CONFIRMED,
    CaseState.PERFORMING,
    CaseState.FULFILLED,
    CaseState.FAILED,
    CaseState.FILED,
    CaseState.TRIED,
    CaseState.ENFORCING,
    CaseState.CLOSED,
)
DEFECT_BANK = ("龙岩农商", "龙岩农村商业")  # the Longyan Rural Commercial Bank, by its short or full name
DEFECT_SHARE = 0.36  # of its credit-card letters come back: wrong or stale address
OTHER_FAILURE_SHARE = 0.1
OTHER_SAMPLE = 0.25  # of the other institutions' later-state cases are shown with their service
_PDF: bytes | None = None


def _pdf() -> bytes:
    global _PDF
    if _PDF is None:
        from xietong.documents.render import render_pdf

        _PDF = render_pdf("service/demo_document.html", {})
    return _PDF


def _times(start: dt.datetime, end: dt.datetime, gaps_days: list[float]) -> list[dt.datetime]:
    """Points after `start`, `gaps_days` apart, squeezed to end before `end`."""
    total = sum(gaps_days)
    room = (end - start).total_seconds() / 86400 * 0.9
    scale = min(1.0, room / total) if total > 0 else 1.0
    out, t = [], start
    for g in gaps_days:
        t = t + dt.timedelta(days=max(g * scale, 0.0007))
        out.append(t)
    return out


def _office(t: dt.datetime, end: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same moment moved into office hours (8:30 to 17:30, local time), if that stays before `end`."""
    local = timezone.localtime(t)
    if 8 <= local.hour < 17:
        return t
    day = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
    minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    moved = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=local.tzinfo)
    return moved if moved < end else t


def _clerk(court_id: int, cache: dict[int, Any]) -> Any:
    if court_id not in cache:
        cache[court_id] = (
            User.objects.filter(role=Role.CLERK, organisation_id=court_id, is_active=True).order_by("pk").first()
            or User.objects.filter(role=Role.CENTER_ADMIN, is_active=True).order_by("pk").first()
        )
    return cache[court_id]


def _operator(org_id: int, cache: dict[int, Any]) -> Any:
    if org_id not in cache:
        cache[org_id] = (
            User.objects.filter(role=Role.INSTITUTION_OPERATOR, organisation_id=org_id, is_active=True)
            .order_by("pk")
            .first()
        )
    return cache[org_id]


def _open(record: ServiceRecord, *, actor: Any, at: dt.datetime, via: str) -> None:
    with transaction.atomic():
        rec = _lock_record(record.pk)
        if rec.opened_at is None:
            _opened(rec, actor=actor, at=at, ip_address=None, via=via)


def _confirm_online(case: Case, party: CaseParty, actor: Any) -> None:
    """Online applicants confirmed a service address and consented to electronic service."""
    from xietong.intake.models import ServiceAddressConfirmation
    from xietong.intake.services import ServiceAddress, service_address_confirm

    person = party.person
    if person is None or not person.phone:
        return
    if ServiceAddressConfirmation.objects.filter(case=case, person=person).exists():
        return
    address = person.addresses.order_by("pk").first()
    service_address_confirm(
        actor=actor,
        case=case,
        person=person,
        confirmed_by=party.agent or person,
        address=ServiceAddress(
            address=str(address) if address else "福建省龙岩市",
            country=address.country if address else "CN",
            phone=person.phone,
            consent_electronic_service=True,
        ),
    )


def seed(*, actor: Any) -> None:
    """Add this app's demo data. Called once, inside the loader's transaction, at the real time."""
    rng = random.Random("service-demo")  # noqa: S311 - fictitious demo data
    now = timezone.now()
    clerks: dict[int, Any] = {}
    operators: dict[int, Any] = {}
    served_cases = set(ServedDocument.objects.values_list("case_id", flat=True))
    cases = (
        Case.objects.filter(state__in=LATER_STATES, institution__kind=OrganisationKind.INSTITUTION)
        .select_related("institution")
        .order_by("submitted_at", "pk")
    )
    for case in cases:
        if case.pk in served_cases:
            continue
        inst = case.institution
        assert inst is not None
        names = f"{inst.short_name} {inst.name}"
        defect_bank = any(n in names for n in DEFECT_BANK) and case.product == Product.CREDIT_CARD
        if not defect_bank and rng.random() > OTHER_SAMPLE:
            continue
        clerk = _clerk(case.court_id, clerks)
        if clerk is None:
            return
        debtors = [
            p
            for p in case.parties.select_related("person", "agent")
            if p.person_id and p.role in (PartyRole.RESPONDENT, PartyRole.DEFENDANT, PartyRole.APPLICANT)
        ]
        if not debtors:
            continue
        electronic = case.door == Door.ONLINE and not defect_bank
        if electronic:
            _confirm_online(case, debtors[0], actor)
        end = min(case.closed_at or now, now) - dt.timedelta(minutes=5)
        start = case.submitted_at + dt.timedelta(hours=rng.uniform(20, 40))
        if start >= end:
            continue
        start = _office(start, end, rng)
        if start >= end:
            continue
        org_parties = list(case.parties.filter(organisation=inst))
        document = service_send(
            actor=clerk,
            case=case,
            kind=DocumentKind.NOTICE,
            title="调解通知书",
            content=_pdf(),
            filename="mediation-notice.pdf",
            recipients=debtors[:1] + org_parties[:1],
            at=start,
            notify=False,
        )
        for record in document.records.select_related("recipient"):
            if record.recipient.organisation_id is not None:
                operator = _operator(inst.pk, operators)
                if operator is not None:
                    [t] = _times(start, end, [rng.uniform(0.05, 0.6)])
                    _open(record, actor=operator, at=t, via="platform")
                continue
            if record.planned_method == AttemptMethod.ELECTRONIC:
                [t] = _times(start, end, [rng.uniform(0.02, 1.5)])
                link = ActorRef(
                    kind="party_link",
                    id=record.recipient_id,
                    label=f"link · {record.recipient.name}",
                    organisation_id=None,
                )
                _open(record, actor=link, at=t, via="link")
                continue
            _post(
                record,
                clerk=clerk,
                rng=rng,
                start=start,
                end=end,
                failure_share=DEFECT_SHARE if defect_bank else OTHER_FAILURE_SHARE,
                defect_bank=defect_bank,
            )


def _post(
    record: ServiceRecord,
    *,
    clerk: Any,
    rng: random.Random,
    start: dt.datetime,
    end: dt.datetime,
    failure_share: float,
    defect_bank: bool,
) -> None:
    """A letter: delivered, or back with a failure, then sent again (corrected address) or served otherwise."""
    track = f"11{rng.randrange(10**11):011d}"
    if rng.random() >= failure_share:
        [t] = _times(start, end, [rng.uniform(2, 5)])
        t = _office(t, end, rng)
        service_attempt_record(
            actor=clerk,
            record=record,
            method=AttemptMethod.POSTAL,
            outcome=Outcome.DELIVERED,
            tracking_number=track,
            at=t,
        )
        return
    if defect_bank:
        reason = rng.choices((Outcome.ADDRESS_WRONG, Outcome.MOVED, Outcome.RETURNED), (6, 3, 1))[0]
        note = {
            Outcome.ADDRESS_WRONG: "信用卡申请表所填地址不全（缺门牌号）",
            Outcome.MOVED: "查无此人，申请表地址为多年前旧址",
            Outcome.RETURNED: "原址无人签收，退回",
        }[reason]
    else:
        reason = rng.choice((Outcome.NO_ONE_HOME, Outcome.REFUSED, Outcome.ADDRESS_WRONG, Outcome.MOVED))
        note = ""
    times = _times(start, end, [rng.uniform(3, 6), rng.uniform(0.5, 1.5), rng.uniform(1, 3)])
    failed_at, retry_at, done_at = sorted(_office(t, end, rng) for t in times)
    service_attempt_record(
        actor=clerk,
        record=record,
        method=AttemptMethod.POSTAL,
        outcome=reason,
        tracking_number=track,
        note=note,
        at=failed_at,
    )
    roll = rng.random()
    if roll < 0.12:
        service_alternative_record(
            actor=clerk,
            record=record,
            kind=AlternativeKind.ANNOUNCEMENT,
            reason="邮寄送达地址错误，经调解员电话联系未果，下落不明，依法公告送达。",
            at=retry_at,
        )
        return
    if roll < 0.45:
        service_attempt_record(
            actor=clerk,
            record=record,
            method=AttemptMethod.IN_PERSON,
            outcome=Outcome.DELIVERED,
            note="调解员上门直接送达",
            at=done_at,
        )
        return
    service_attempt_record(
        actor=clerk,
        record=record,
        method=AttemptMethod.POSTAL,
        outcome=Outcome.SENT,
        tracking_number=f"11{rng.randrange(10**11):011d}",
        note="经电话核实更正地址后重新邮寄",
        at=retry_at,
    )
    service_attempt_record(
        actor=clerk,
        record=record,
        method=AttemptMethod.POSTAL,
        outcome=Outcome.DELIVERED,
        at=done_at,
    )

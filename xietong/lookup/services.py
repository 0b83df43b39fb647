"""Writes for the pre-filing lookup: reported overdue debts, audited lookups, cases opened from
debts in one step, and the public status check by case number and one-time code."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, audit_record
from xietong.cases.choices import CaseState, Door, PartyRole, Product
from xietong.cases.models import Case
from xietong.cases.services import PersonParty, case_create
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.core.masking import mask_id_number, mask_phone
from xietong.core.money import money_parse
from xietong.core.validators import parse_resident_id
from xietong.notifications.models import OtpPurpose
from xietong.notifications.services import otp_issue, otp_verify
from xietong.parties.models import Person
from xietong.triage.services import case_auto_triage

from .choices import next_step
from .models import OverdueDebt
from .selectors import LookupResult, case_for_status, person_lookup_result, status_phone


def _debt_snapshot(d: OverdueDebt) -> dict[str, Any]:
    return {
        "institution_id": d.institution_id,
        "person_id": d.person_id,
        "product": d.product,
        "contract_number": d.contract_number,
        "principal": d.principal,
        "interest": d.interest,
        "penalty": d.penalty,
        "overdue_since": d.overdue_since,
        "case_id": d.case_id,
    }


@transaction.atomic
def overdue_debt_record(
    *,
    actor: Any,
    institution: Organisation,
    person: Person,
    product: str,
    contract_number: str,
    principal: Decimal | str,
    interest: Decimal | str = Decimal("0"),
    penalty: Decimal | str = Decimal("0"),
    overdue_since: dt.date,
    reported_at: dt.datetime | None = None,
    case: Case | None = None,
) -> OverdueDebt:
    """Record what an institution reports about one overdue debt of a person."""
    is_system = getattr(actor, "kind", None) == "system"
    if not is_system:
        if not may(actor, "lookup.report_debt"):
            raise NotAllowed(_("Only the reporting institution or the center records overdue debts."), code="role")
        if not may(actor, "lookup.report_debt", institution):
            raise NotAllowed(_("An institution reports only its own debts."), code="other_institution")
    if institution.kind != OrganisationKind.INSTITUTION:
        raise DomainError(_("The institution must be a registered financial institution."), code="not_an_institution")
    if product not in Product.values:
        raise DomainError(_("Unknown product."), code="product")
    contract_number = contract_number.strip()
    if not contract_number:
        raise DomainError(_("Enter the contract or card number."), code="contract_number")
    if overdue_since > timezone.localdate():
        raise DomainError(_("A debt cannot be overdue since a future date."), code="overdue_since")
    if OverdueDebt.objects.filter(institution=institution, contract_number=contract_number).exists():
        raise Conflict(_("This institution already reported this contract."), code="duplicate_debt")
    debt = OverdueDebt(
        institution=institution,
        person=person,
        product=product,
        contract_number=contract_number,
        principal=money_parse(principal, _("Principal")),
        interest=money_parse(interest, _("Interest")),
        penalty=money_parse(penalty, _("Penalty")),
        overdue_since=overdue_since,
        reported_at=reported_at or timezone.now(),
        case=case,
    )
    debt.full_clean()
    debt.save()
    audit_record(actor=actor, action=AuditAction.DEBT_RECORD, obj=debt, after=_debt_snapshot(debt))
    return debt


def parse_lookup_id(id_number: str) -> str:
    """The normalised ID number, or a DomainError that says what is wrong with it."""
    from django.core.exceptions import ValidationError

    try:
        return parse_resident_id(id_number).number
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="id_number") from None


@transaction.atomic
def person_lookup(*, actor: Any, id_number: str, ip_address: str | None = None) -> LookupResult:
    """Staff look a person up across all institutions. Every lookup is audited, found or not."""
    if not may(actor, "lookup.use"):
        raise NotAllowed(_("The pre-filing lookup is for the center and the court."), code="role")
    number = parse_lookup_id(id_number)
    result = person_lookup_result(actor=actor, id_number=number)
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_LOOKUP,
        obj=result.person,
        object_type=None if result.person else "parties.person",
        object_id=None if result.person else mask_id_number(number),
        after={
            "id_number": number,
            "found": result.person is not None,
            "debts": len(result.debts),
            "cases": len(result.cases),
            "sued": result.any_sued,
        },
        ip_address=ip_address,
    )
    return result


@transaction.atomic
def person_lookup_self(*, actor: Any) -> LookupResult | None:
    """A party sees their own lookup (their own Person only); recorded, not as a staff view."""
    if not may(actor, "lookup.self"):
        raise NotAllowed(_("This page is for parties."), code="role")
    person = Person.objects.filter(user_id=actor.pk).first()
    if person is None:
        return None
    result = person_lookup_result(actor=actor, id_number=person.id_number)
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_LOOKUP,
        obj=person,
        after={"self": True, "debts": len(result.debts), "cases": len(result.cases)},
    )
    return result


@transaction.atomic
def cases_open_from_debts(*, actor: Any, person: Person, debt_ids: list[int]) -> list[Case]:
    """Open one pre-litigation case per chosen debt, all or nothing: the institution applies, the
    person responds, the amounts come from the debt. Each case is triaged at once."""
    if not may(actor, "lookup.open"):
        raise NotAllowed(_("Only the center and court clerks open cases from the lookup."), code="role")
    court = actor.organisation
    if court is None or court.kind != OrganisationKind.COURT:
        raise NotAllowed(_("Your account does not belong to a court."), code="no_court")
    ids = sorted(set(debt_ids))
    if not ids:
        raise DomainError(_("Choose at least one debt."), code="no_debts")
    debts = list(
        OverdueDebt.objects.select_for_update().filter(pk__in=ids).select_related("institution").order_by("pk")
    )
    if len(debts) != len(ids) or any(d.person_id != person.pk for d in debts):
        raise DomainError(_("Some of the chosen debts are not this person's."), code="other_person")
    opened = [d for d in debts if d.case_id is not None]
    if opened:
        raise Conflict(
            _("A case was already opened for: %(debts)s. Nothing was changed.")
            % {"debts": ", ".join(f"{d.institution.display_name} {d.contract_masked}" for d in opened)},
            code="already_opened",
        )
    cases = []
    for d in debts:
        before = _debt_snapshot(d)
        case = case_create(
            actor=actor,
            court=court,
            institution=d.institution,
            institution_role=PartyRole.APPLICANT,
            product=d.product,
            door=Door.COUNTER,
            persons=[PersonParty(person=person, role=PartyRole.RESPONDENT)],
            principal=d.principal,
            interest=d.interest,
            penalty=d.penalty,
            facts=_("Overdue since %(date)s under contract %(contract)s, as reported by %(institution)s.")
            % {"date": d.overdue_since.isoformat(), "contract": d.contract_number, "institution": d.institution.name},
        )
        case = case_auto_triage(case=case, actor=SYSTEM)
        d.case = case
        d.save(update_fields=["case"])
        audit_record(actor=actor, action=AuditAction.DEBT_CASE_OPEN, obj=d, before=before, after=_debt_snapshot(d))
        cases.append(case)
    return cases


# Public status check -------------------------------------------------------------------------


def normalize_case_number(number: str) -> str:
    return (number or "").strip().replace(" ", "").replace("(", "（").replace(")", "）")[:64]


def _decoy_phone(number: str) -> str:
    """A stable, plausible masked phone for numbers that do not exist, so both look the same."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"status:{number}".encode(), hashlib.sha256).hexdigest()
    prefixes = ("138", "139", "150", "151", "158", "177", "186", "188")
    return mask_phone(prefixes[int(digest[:2], 16) % len(prefixes)] + f"{int(digest[2:12], 16) % 10**8:08d}")


@dataclass(frozen=True)
class StatusOut:
    state: str
    state_label: str
    next_step: str


@transaction.atomic
def status_code_request(*, number: str) -> str:
    """Send a code to the phone on file of the case with this number; return the phone, masked.

    Unknown numbers get the same answer (a stable decoy mask) and no message, so the check cannot be
    used to find out which numbers exist. A rate-limited phone gets the same answer too.
    """
    number = normalize_case_number(number)
    case = case_for_status(number=number) if number else None
    phone = status_phone(case=case) if case else ""
    if not phone:
        return _decoy_phone(number)
    try:
        with transaction.atomic():
            otp_issue(phone=phone, purpose=OtpPurpose.STATUS_CHECK, subject=number)
    except DomainError:
        pass  # rate limit: answer as usual, send nothing
    return mask_phone(phone)


@transaction.atomic
def status_verify(*, number: str, code: str) -> StatusOut:
    """The bare state and next step of the case, once the code sent for it is right."""
    number = normalize_case_number(number)
    case = case_for_status(number=number) if number else None
    phone = status_phone(case=case) if case else ""
    ok = bool(phone) and otp_verify(phone=phone, purpose=OtpPurpose.STATUS_CHECK, code=code, subject=number)
    if not ok or case is None:
        raise DomainError(
            _("The code is not right, has expired or was already used. Ask for a new code."), code="otp_invalid"
        )
    state = CaseState(case.state)
    return StatusOut(state=state.value, state_label=str(state.label), next_step=next_step(state))

"""Writes for intake: every door (online, for a relative, counter, station, API) goes through
`application_submit`, which opens one case per institution, triages each at once, and records the
files and the service-address confirmations, all in one transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import ApiClient, Organisation, User
from xietong.accounts.permissions import may
from xietong.accounts.services import user_create
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, ActorRef, audit_record
from xietong.cases.choices import Door, PartyRole
from xietong.cases.definitions import roles_for_door
from xietong.cases.services import PersonParty, case_create
from xietong.core.bulk import BulkWriter
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.core.masking import mask_id_number, mask_phone
from xietong.core.validators import normalize_phone, parse_resident_id
from xietong.notifications.models import OtpPurpose
from xietong.notifications.services import email_send, otp_issue, otp_verify, public_url, sms_send
from xietong.parties.choices import AddressKind
from xietong.parties.models import Authorisation, Person
from xietong.parties.services import authorisation_create, person_create
from xietong.risk.services import named_respondent_record
from xietong.triage.services import case_auto_triage

from .choices import AttachmentKind
from .models import Application, Attachment, ServiceAddressConfirmation
from .selectors import claimable_person, intake_court
from .validators import MAX_ATTACHMENTS, check_upload, parse_amount

SELF_REGISTRATION = ActorRef(kind="system", id=None, label="self-registration", organisation_id=None)


@dataclass(frozen=True)
class PartyDetails:
    """A natural person as typed in: found by ID number, or created."""

    name: str
    id_number: str
    phone: str = ""
    email: str = ""
    country: str = "CN"
    address: str = ""


@dataclass(frozen=True)
class DisputeDetails:
    product: str
    principal: Decimal | str = Decimal("0")
    interest: Decimal | str = Decimal("0")
    penalty: Decimal | str = Decimal("0")
    facts: str = ""
    wishes: list[str] = field(default_factory=list)
    reference: str = ""  # contract or card number
    # A company or person the claimant names who is not a licensed institution (recorded for risk).
    respondent_name: str = ""


@dataclass(frozen=True)
class ServiceAddress:
    """送达地址确认书."""

    address: str
    phone: str
    email: str = ""
    country: str = "CN"
    consent_electronic_service: bool = False


@dataclass(frozen=True)
class AuthorisationRequest:
    """The relative's authorisation for the applicant, with its document."""

    relationship: str
    reason: str
    document: File[Any]
    reason_detail: str = ""


@dataclass(frozen=True)
class Upload:
    file: File[Any]
    kind: str = AttachmentKind.EVIDENCE


@dataclass(frozen=True)
class SubmitResult:
    application: Application
    created: bool  # False: the same submission had been taken before; nothing new was written


def person_find_or_create(*, actor: Any, details: PartyDetails) -> Person:
    """The person with this ID number, or a new one. An ID number on file under another name is refused."""
    rid = parse_resident_id(details.id_number)
    name = details.name.strip()
    existing = Person.objects.filter(id_number=rid.number).first()
    if existing is not None:
        if name and existing.name != name:
            raise ValidationError(
                {"id_number": _("This ID number is on file under another name; check the name and the number.")}
            )
        return existing
    addresses = []
    if details.address.strip():
        addresses.append(
            {"kind": AddressKind.RESIDENCE, "country": details.country or "CN", "line": details.address.strip()}
        )
    return person_create(
        actor=actor, name=name, id_number=rid.number, phone=details.phone, email=details.email, addresses=addresses
    )


def _institutions(institutions: Sequence[Organisation]) -> list[Organisation]:
    unique = list({o.pk: o for o in institutions}.values())
    if not unique:
        raise DomainError(_("Choose at least one institution the dispute is with."), code="no_institution")
    for inst in unique:
        if inst.kind != OrganisationKind.INSTITUTION or not inst.is_active:
            raise DomainError(_("%(name)s is not a financial institution of the region.") % {"name": inst.name})
    return unique


def _store_attachment(*, application: Application, upload: Upload, actor: Any, saved: list[str]) -> Attachment:
    checked = check_upload(upload.file)
    att = Attachment(
        application=application,
        kind=upload.kind,
        original_name=checked.name[:255],
        detected_type=checked.detected_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if isinstance(actor, User) else None,
    )
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[checked.detected_type]
    # The stored name is ours: the type the content showed, never the name the sender gave.
    att.file.save(f"{checked.sha256[:16]}.{ext}", upload.file, save=False)
    saved.append(att.file.name)
    att.full_clean()
    att.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_ATTACHMENT,
        obj=att,
        after={
            "application_id": application.pk,
            "kind": att.kind,
            "type": att.detected_type,
            "size": att.size,
            "sha256": att.sha256,
        },
    )
    return att


def application_submit(
    *,
    actor: Any,
    door: str,
    person: Person | PartyDetails,
    institutions: Sequence[Organisation],
    dispute: DisputeDetails,
    consent_online_mediation: bool,
    consent_electronic_service: bool,
    service_address: ServiceAddress | None = None,
    agent: Person | None = None,
    authorisation: AuthorisationRequest | None = None,
    attachments: Sequence[Upload] = (),
    client_token: str | None = None,
    request_hash: str = "",
    station: Organisation | None = None,
    api_client: ApiClient | None = None,
) -> SubmitResult:
    """Take one submission: one case per institution, each triaged at once. All or nothing.

    `person` is the party the dispute is about; `agent` the relative applying for them under
    `authorisation` (recorded here). A `client_token` seen before returns the earlier application.
    """
    if client_token:
        earlier = Application.objects.filter(client_token=client_token).first()
        if earlier is not None:
            return SubmitResult(_check_same_submitter(earlier, actor, request_hash), created=False)
    saved: list[str] = []
    try:
        with transaction.atomic():
            application = _submit(
                actor=actor,
                door=door,
                person=person,
                institutions=institutions,
                dispute=dispute,
                consent_online_mediation=consent_online_mediation,
                consent_electronic_service=consent_electronic_service,
                service_address=service_address,
                agent=agent,
                authorisation=authorisation,
                attachments=attachments,
                client_token=client_token or None,
                request_hash=request_hash,
                station=station,
                api_client=api_client,
                saved=saved,
            )
    except IntegrityError:
        _delete_files(saved)
        earlier = Application.objects.filter(client_token=client_token).first() if client_token else None
        if earlier is None:
            raise
        return SubmitResult(_check_same_submitter(earlier, actor, request_hash), created=False)
    except BaseException:
        _delete_files(saved)
        raise
    return SubmitResult(application, created=True)


def _check_same_submitter(earlier: Application, actor: Any, request_hash: str) -> Application:
    same = (
        (isinstance(actor, User) and earlier.submitted_by_id == actor.pk)
        or (isinstance(actor, ApiClient) and earlier.api_client_id == actor.pk)
        or (getattr(actor, "kind", None) == "system" and earlier.submitted_by_id is None and not earlier.api_client_id)
    )
    if not same:
        raise Conflict(_("This form was already used. Reload the page and submit again."), code="token_reused")
    if request_hash and earlier.request_hash and earlier.request_hash != request_hash:
        raise Conflict(_("This Idempotency-Key was used for a different request."), code="idempotency_key_reused")
    return earlier


def _delete_files(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _submit(
    *,
    actor: Any,
    door: str,
    person: Person | PartyDetails,
    institutions: Sequence[Organisation],
    dispute: DisputeDetails,
    consent_online_mediation: bool,
    consent_electronic_service: bool,
    service_address: ServiceAddress | None,
    agent: Person | None,
    authorisation: AuthorisationRequest | None,
    attachments: Sequence[Upload],
    client_token: str | None,
    request_hash: str,
    station: Organisation | None,
    api_client: ApiClient | None,
    saved: list[str],
) -> Application:
    if door not in Door.values or door == Door.BATCH:
        raise DomainError(_("Unknown intake door."), code="door")
    if door == Door.STATION and (station is None or station.kind != OrganisationKind.STATION):
        raise DomainError(_("A station filing needs the filing station."), code="no_station")
    if door == Door.API and api_client is None:
        raise DomainError(_("An API filing needs the API client."), code="no_client")
    if (agent is None) != (authorisation is None):
        raise DomainError(_("Acting for a relative needs their authorisation document."), code="no_authorisation")
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(
            _("At most %(n)d files can be attached to one application.") % {"n": MAX_ATTACHMENTS}, code="too_many_files"
        )
    respondent_name = dispute.respondent_name.strip()
    insts: list[Organisation | None] = list(_institutions(institutions)) if institutions or not respondent_name else []
    if not insts:
        insts = [None]  # against the named respondent only: one case without an institution
    court = intake_court()
    principal, interest, penalty = (parse_amount(v) for v in (dispute.principal, dispute.interest, dispute.penalty))

    party = person if isinstance(person, Person) else person_find_or_create(actor=actor, details=person)
    auth: Authorisation | None = None
    if agent is not None and authorisation is not None:
        if agent.pk == party.pk:
            raise DomainError(_("You cannot act for yourself; apply in your own name."), code="self_agent")
        check_upload(authorisation.document)
        auth = authorisation_create(
            actor=actor,
            principal=party,
            agent=agent,
            relationship=authorisation.relationship,
            reason=authorisation.reason,
            reason_detail=authorisation.reason_detail,
            document=authorisation.document,
        )
        saved.append(auth.document.name)

    application = Application(
        door=door,
        applicant=None if door == Door.API else (agent or party),
        applicant_organisation=api_client.organisation if api_client else None,
        on_behalf_of=party if agent else None,
        authorisation=auth,
        submitted_by=actor if isinstance(actor, User) else None,
        api_client=api_client,
        station=station,
        consent_online_mediation=consent_online_mediation,
        consent_electronic_service=consent_electronic_service,
        reference=dispute.reference.strip()[:64],
        client_token=client_token,
        request_hash=request_hash,
    )
    application.full_clean(validate_unique=False)
    application.save()  # a token taken meanwhile fails here, before anything else is written

    # A citizen, their relative, the counter or a station files against the bank: the citizen applies;
    # a bank filing through the API applies against the person.
    person_role, institution_role = roles_for_door(door)
    cases = []
    for inst in insts:
        case = case_create(
            actor=actor,
            court=court,
            institution=inst,
            institution_role=institution_role,
            product=dispute.product,
            door=door,
            persons=[
                PersonParty(
                    person=party,
                    role=person_role if inst is not None else PartyRole.APPLICANT,
                    agent=agent,
                    authorisation=auth,
                )
            ],
            facts=dispute.facts.strip(),
            wishes=list(dispute.wishes),
            station=station,
            principal=principal,
            interest=interest,
            penalty=penalty,
        )
        if respondent_name:
            named_respondent_record(actor=actor, case=case, name=respondent_name)
        case = case_auto_triage(case=case, actor=SYSTEM)
        cases.append(case)
        if service_address is not None:
            service_address_confirm(
                actor=actor, case=case, person=party, confirmed_by=agent or party, address=service_address
            )
    application.cases.set(cases)

    for upload in attachments:
        _store_attachment(application=application, upload=upload, actor=actor, saved=saved)

    # Each case has its own case.create entry; the application that grouped them is recorded beside them.
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_SUBMIT,
        obj=application,
        after={
            "door": door,
            "cases": [c.number for c in cases],
            "party": mask_id_number(party.id_number),
            "agent_id": agent.pk if agent else None,
            "authorisation_id": auth.pk if auth else None,
            "attachments": len(attachments),
            "consent_online_mediation": consent_online_mediation,
            "consent_electronic_service": consent_electronic_service,
        },
    )
    _acknowledge(party=party, agent=agent, service_address=service_address, numbers=[c.number for c in cases])
    return application


def _acknowledge(
    *, party: Person, agent: Person | None, service_address: ServiceAddress | None, numbers: list[str | None]
) -> None:
    """Tell the applicant the case numbers, by SMS and e-mail, once the submission is committed, with the page
    to follow them on: their cases, for whoever has an account; for a party filed for at a station or the
    counter, who has none yet, the public status check by case number."""
    who = agent or party
    phone = (service_address.phone if service_address and not agent else "") or who.phone
    email = (service_address.email if service_address and not agent else "") or who.email
    if who.user_id is not None:
        text = _(
            "Your application to the financial dispute center was received. Case numbers: %(numbers)s. "
            "Follow them online: %(link)s"
        )
        link = public_url(reverse("my-cases"))
    else:
        text = _(
            "Your application to the financial dispute center was received. Case numbers: %(numbers)s. "
            "Check their status with the case number: %(link)s"
        )
        link = public_url(reverse("status-check"))
    text = text % {"numbers": "、".join(n for n in numbers if n), "link": link}
    if phone:
        sms_send(to=phone, text=text)
    if email:
        email_send(to=email, subject=_("Your application was received"), text=text)


def service_address_confirm(
    *, actor: Any, case: Any, person: Person, confirmed_by: Person, address: ServiceAddress
) -> ServiceAddressConfirmation:
    if not address.address.strip():
        raise ValidationError({"service_address": _("Enter the address where documents can be served.")})
    sac = ServiceAddressConfirmation(
        case=case,
        person=person,
        country=address.country or "CN",
        address=address.address.strip(),
        phone=normalize_phone(address.phone),
        email=address.email.strip(),
        consent_electronic_service=address.consent_electronic_service,
        confirmed_by=confirmed_by,
    )
    sac.full_clean()
    sac.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_SERVICE_ADDRESS,
        obj=sac,
        after={
            "case": case.number,
            "country": sac.country,
            "phone": mask_phone(sac.phone),
            "email": bool(sac.email),
            "consent_electronic_service": sac.consent_electronic_service,
        },
    )
    return sac


class ServiceAddressRow(NamedTuple):
    """A party's confirmed service address for a case opened in bulk (phone already normalised)."""

    person_id: int
    address: str
    phone: str
    email: str = ""
    consent_electronic_service: bool = False
    country: str = "CN"


def service_addresses_confirm_bulk(
    case_ids: list[int], *, addresses: Sequence[ServiceAddressRow | None], writer: BulkWriter
) -> dict[str, Any]:
    """The 送达地址确认书 of cases opened in bulk (a step of `cases_create_bulk`): for the k-th case the
    k-th address, if any, as `service_address_confirm` records it (confirmed by the party themself)."""
    rows = [(cid, a) for cid, a in zip(case_ids, addresses, strict=True) if a is not None]
    now = writer.now_db
    if rows:
        writer.insert(
            ServiceAddressConfirmation,
            (
                "case_id",
                "person_id",
                "country",
                "address",
                "phone",
                "email",
                "consent_electronic_service",
                "confirmed_by_id",
                "confirmed_at",
            ),
            (
                (
                    cid,
                    a.person_id,
                    a.country or "CN",
                    a.address.strip(),
                    a.phone,
                    a.email.strip(),
                    a.consent_electronic_service,
                    a.person_id,
                    now,
                )
                for cid, a in rows
            ),
        )
    return {"service_addresses": len(rows)}


# Accounts: self-registration and taking over a case filed for you. ---------------------------


@transaction.atomic
def person_link_account(*, actor: Any, person: Person, user: User) -> Person:
    """Give a person their login, so they see their own cases. Only once, only a party's account."""
    if not may(user, "intake.claim"):
        raise DomainError(_("Only a party's account can be linked to a person."), code="not_a_party")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.user_id is not None and locked.user_id != user.pk:
        raise DomainError(_("This person already has an account. Log in with it."), code="already_linked")
    if Person.objects.filter(user=user).exclude(pk=locked.pk).exists():
        raise DomainError(_("Your account belongs to another person."), code="account_taken")
    before = {"user_id": locked.user_id}
    locked.user = user
    locked.save(update_fields=["user"])
    audit_record(actor=actor, action=AuditAction.PERSON_UPDATE, obj=locked, before=before, after={"user_id": user.pk})
    return locked


def _register_subject(id_number: str) -> str:
    return f"register:{id_number}"


def registration_start(*, name: str, id_number: str, phone: str) -> None:
    """Check who registers and send a one-time code to the phone (the one on file, if the person is known)."""
    rid = parse_resident_id(id_number)
    phone = normalize_phone(phone)
    if not name.strip():
        raise ValidationError({"name": _("Enter your name.")})
    if User.objects.filter(username=phone).exists():
        raise DomainError(_("An account with this phone number exists already. Log in instead."), code="phone_taken")
    existing = Person.objects.filter(id_number=rid.number).first()
    if existing is not None:
        if existing.user_id is not None:
            raise DomainError(_("This ID number has an account already. Log in instead."), code="already_linked")
        if existing.name != name.strip() or existing.phone != phone:
            raise DomainError(
                _(
                    "Name and phone must be those on file for this ID number. "
                    "If your phone number changed, please ask at the center's counter."
                ),
                code="phone_mismatch",
            )
    otp_issue(phone=phone, purpose=OtpPurpose.LOGIN, subject=_register_subject(rid.number))


def registration_complete(
    *, name: str, id_number: str, phone: str, code: str, password: str = "", password_hash: str = ""
) -> User:
    """Verify the code, then create the account and link (or create) the person. Wrong codes count."""
    if not password and not password_hash:
        raise ValidationError({"password1": _("Choose a password.")})
    rid = parse_resident_id(id_number)
    phone = normalize_phone(phone)
    # Verified in its own transaction, so that a wrong code is counted even if we refuse below.
    if not otp_verify(phone=phone, purpose=OtpPurpose.LOGIN, subject=_register_subject(rid.number), code=code):
        raise DomainError(_("The code is wrong or has expired. Ask for a new one."), code="otp_invalid")
    with transaction.atomic():
        existing = Person.objects.select_for_update().filter(id_number=rid.number).first()
        if existing is not None and (existing.user_id is not None or existing.phone != phone):
            raise DomainError(_("This ID number has an account already. Log in instead."), code="already_linked")
        if User.objects.filter(username=phone).exists():
            raise DomainError(
                _("An account with this phone number exists already. Log in instead."), code="phone_taken"
            )
        user = user_create(
            actor=SELF_REGISTRATION,
            username=phone,
            password=password or None,
            password_hash=password_hash or None,
            role=Role.PARTY,
            full_name=name.strip(),
            phone=phone,
        )
        person = existing or person_create(actor=user, name=name, id_number=rid.number, phone=phone)
        person_link_account(actor=user, person=person, user=user)
    return user


def claim_start(*, number: str, phone: str) -> bool:
    """Send a code to the phone on file of a case's party who has no account. False (and no code) otherwise."""
    try:
        phone = normalize_phone(phone)
    except ValidationError:
        return False
    person = claimable_person(number=number, phone=phone)
    if person is None:
        return False
    otp_issue(phone=phone, purpose=OtpPurpose.CLAIM, subject=number.strip())
    return True


def case_claim(*, number: str, phone: str, code: str, user: User | None, password: str = "") -> User:
    """Take over the cases a station or a clerk filed for you: the code proves the phone on file.

    A logged-in party's account is linked to the person; otherwise an account is created
    (username: the phone number) with `password`.
    """
    number = number.strip()
    phone = normalize_phone(phone)
    if not otp_verify(phone=phone, purpose=OtpPurpose.CLAIM, subject=number, code=code):
        raise DomainError(_("The code is wrong or has expired. Ask for a new one."), code="otp_invalid")
    with transaction.atomic():
        person = claimable_person(number=number, phone=phone)
        if person is None:
            raise DomainError(_("There is nothing to take over for this case and phone."), code="nothing_to_claim")
        if user is None:
            if not password:
                raise ValidationError({"password1": _("Choose a password for your new account.")})
            if User.objects.filter(username=phone).exists():
                raise DomainError(
                    _("An account with this phone number exists already. Log in, then take the case over."),
                    code="phone_taken",
                )
            user = user_create(
                actor=SELF_REGISTRATION,
                username=phone,
                password=password,
                role=Role.PARTY,
                full_name=person.name,
                phone=phone,
            )
        person_link_account(actor=user, person=person, user=user)
    return user


# The citizen's own door. ----------------------------------------------------------------------


def _own_person(*, user: User, identity: PartyDetails | None) -> Person:
    """The account's person; created from `identity` the first time, if that ID number is not on file."""
    me = Person.objects.filter(user=user).first()
    if me is not None:
        return me
    if identity is None:
        raise DomainError(_("Tell us who you are: your name, ID number and phone."), code="no_identity")
    rid = parse_resident_id(identity.id_number)
    if Person.objects.filter(id_number=rid.number).exists():
        raise DomainError(
            _(
                "This ID number is on file already. Take your record over by verifying the phone on file "
                "(“Take over a case”), or ask at the counter."
            ),
            code="id_on_file",
        )
    person = person_create(
        actor=user, name=identity.name, id_number=rid.number, phone=identity.phone, email=identity.email
    )
    return person_link_account(actor=user, person=person, user=user)


@transaction.atomic
def citizen_apply(
    *,
    user: User,
    identity: PartyDetails | None,
    institutions: Sequence[Organisation],
    dispute: DisputeDetails,
    consent_online_mediation: bool,
    consent_electronic_service: bool,
    service_address: ServiceAddress | None,
    relative: PartyDetails | None = None,
    authorisation: AuthorisationRequest | None = None,
    attachments: Sequence[Upload] = (),
    client_token: str | None = None,
) -> SubmitResult:
    """A party applies online, for themself or (with `relative` and `authorisation`) for a relative."""
    if not may(user, "intake.apply"):
        raise NotAllowed(_("Online applications are made from a party's account."), code="role")
    me = _own_person(user=user, identity=identity)
    common: dict[str, Any] = {
        "actor": user,
        "door": Door.ONLINE,
        "institutions": institutions,
        "dispute": dispute,
        "consent_online_mediation": consent_online_mediation,
        "consent_electronic_service": consent_electronic_service,
        "service_address": service_address,
        "attachments": attachments,
        "client_token": client_token,
    }
    if relative is None:
        return application_submit(person=me, **common)
    if authorisation is None:
        raise DomainError(_("Acting for a relative needs their authorisation document."), code="no_authorisation")
    return application_submit(person=relative, agent=me, authorisation=authorisation, **common)


def staff_file(
    *,
    user: User,
    person: PartyDetails,
    institutions: Sequence[Organisation],
    dispute: DisputeDetails,
    consent_online_mediation: bool,
    consent_electronic_service: bool,
    service_address: ServiceAddress | None,
    attachments: Sequence[Upload] = (),
    client_token: str | None = None,
) -> SubmitResult:
    """A clerk at the counter (door counter) or a station agent for a villager (door station)."""
    if may(user, "intake.counter"):
        door, station = Door.COUNTER, None
    elif may(user, "intake.station") and user.organisation is not None:
        door, station = Door.STATION, user.organisation
    else:
        raise NotAllowed(_("Only clerks and station agents file for someone else."), code="role")
    return application_submit(
        actor=user,
        door=door,
        station=station,
        person=person,
        institutions=institutions,
        dispute=dispute,
        consent_online_mediation=consent_online_mediation,
        consent_electronic_service=consent_electronic_service,
        service_address=service_address,
        attachments=attachments,
        client_token=client_token,
    )

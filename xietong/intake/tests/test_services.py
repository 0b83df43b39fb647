import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from xietong.audit.models import AuditEntry
from xietong.cases.choices import CaseState, Door, PartyRole
from xietong.cases.models import Case, CaseParty
from xietong.core.errors import DomainError, NotAllowed
from xietong.intake.models import Application, Attachment, ServiceAddressConfirmation
from xietong.intake.services import (
    AuthorisationRequest,
    DisputeDetails,
    PartyDetails,
    ServiceAddress,
    Upload,
    case_claim,
    citizen_apply,
    claim_start,
    registration_complete,
    registration_start,
    staff_file,
)
from xietong.notifications.backends import LocmemSmsBackend
from xietong.parties.models import Authorisation, Person

from .helpers import NEW_ID, NEW_ID_2, PDF, exe_as_pdf, pdf

pytestmark = pytest.mark.django_db

DISPUTE = DisputeDetails(
    product="credit_card", principal="1,234.50", interest=Decimal("10"), facts="f", wishes=["more_time"]
)
SERVICE = ServiceAddress(address="新罗区中山路1号", phone="13800138000", consent_electronic_service=True)


@pytest.fixture(autouse=True)
def outbox():
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox


def apply(world, user="party", **kw):
    args = {
        "user": world.users[user],
        "identity": None,
        "institutions": [world.bank, world.other_bank],
        "dispute": DISPUTE,
        "consent_online_mediation": True,
        "consent_electronic_service": True,
        "service_address": SERVICE,
        "attachments": [Upload(file=pdf())],
    }
    args.update(kw)
    return citizen_apply(**args)


def counts():
    return (
        Case.objects.count(),
        Application.objects.count(),
        Attachment.objects.count(),
        ServiceAddressConfirmation.objects.count(),
        Person.objects.count(),
        Authorisation.objects.count(),
    )


def test_one_case_per_institution_each_triaged_with_door_and_service_address(world):
    result = apply(world)
    app = result.application
    cases = list(app.cases.order_by("pk"))
    assert result.created
    assert [c.institution for c in cases] == [world.bank, world.other_bank]
    me = world.persons["relative"]  # the `party` login's person
    for c in cases:
        assert c.door == Door.ONLINE
        assert c.court == world.court
        assert c.state == CaseState.TRIAGED  # case_auto_triage ran at intake
        assert c.total == Decimal("1244.50")
        assert c.wishes == ["more_time"]
        assert re.match(r"（\d{4}）闽0802民诉前调\d+号", c.number)
        assert c.parties.get(person__isnull=False).person == me
        sac = ServiceAddressConfirmation.objects.get(case=c, person=me)
        assert sac.consent_electronic_service and sac.phone == "13800138000"
    assert app.applicant == me and app.submitted_by == world.users["party"]
    assert app.consent_online_mediation and app.consent_electronic_service
    att = app.attachments.get()
    assert att.detected_type == "pdf" and att.size > 0 and len(att.sha256) == 64
    assert att.file.name.endswith(".pdf") and default_storage.exists(att.file.name)
    assert set(Case.objects.restrict(world.users["party"]).filter(applications=app)) == set(cases)


def test_relative_flow_records_authorisation_and_only_the_agent_sees_it(world):
    before = Authorisation.objects.count()
    result = apply(
        world,
        relative=PartyDetails(
            name="黄老三", id_number=NEW_ID, phone="+62 812 3456 7890", country="ID", address="Jakarta"
        ),
        authorisation=AuthorisationRequest(relationship="sibling", reason="abroad", document=pdf("auth.pdf")),
        institutions=[world.bank],
    )
    case = result.application.cases.get()
    relative = Person.objects.get(id_number=NEW_ID)
    assert relative.phone == "+6281234567890" and relative.addresses.get().country == "ID"
    party = case.parties.get(person__isnull=False)
    # The citizen (represented by the relative) applies; the bank they dispute with responds.
    assert party.person == relative and party.role == PartyRole.APPLICANT
    assert case.parties.get(organisation=world.bank).role == PartyRole.RESPONDENT
    assert party.agent == world.persons["relative"]
    assert party.authorisation.principal == relative and party.authorisation.reason == "abroad"
    assert Authorisation.objects.count() == before + 1
    assert result.application.on_behalf_of == relative
    # The applicant sees the case; a stranger does not; the relative's data is reachable only through it.
    assert Case.objects.restrict(world.users["party"]).filter(pk=case.pk).exists()
    assert not Case.objects.restrict(world.users["stranger"]).filter(pk=case.pk).exists()
    # Revoking the authorisation takes the visibility away.
    Authorisation.objects.filter(pk=party.authorisation_id).update(revoked_at="2020-01-01T00:00:00Z")
    assert not Case.objects.restrict(world.users["party"]).filter(pk=case.pk).exists()


@pytest.mark.parametrize("filer", ["party", "clerk", "station"])
def test_a_citizens_filing_makes_the_citizen_applicant_and_the_bank_respondent(world, filer):
    if filer == "party":
        result = apply(world, institutions=[world.bank])
    else:
        result = staff_file(
            user=world.users[filer],
            person=PartyDetails(name="林阿公", id_number=NEW_ID, phone="13900000004"),
            institutions=[world.bank],
            dispute=DISPUTE,
            consent_online_mediation=True,
            consent_electronic_service=False,
            service_address=None,
        )
    case = result.application.cases.get()
    assert case.door == {"party": Door.ONLINE, "clerk": Door.COUNTER, "station": Door.STATION}[filer]
    roles = {(p.organisation_id is not None): p.role for p in case.parties.all()}
    assert roles == {False: PartyRole.APPLICANT, True: PartyRole.RESPONDENT}
    assert case.parties.get(organisation=world.bank).role == PartyRole.RESPONDENT


def test_relative_authorisation_document_is_checked_by_content(world):
    before = counts()
    with pytest.raises(ValidationError):
        apply(
            world,
            relative=PartyDetails(name="黄老三", id_number=NEW_ID),
            authorisation=AuthorisationRequest(relationship="sibling", reason="illness", document=exe_as_pdf()),
        )
    assert counts() == before


def test_a_bad_attachment_found_last_leaves_nothing_behind(world, settings):
    before = counts()
    audit_before = AuditEntry.objects.count()
    good = PDF + b"% only in the atomicity test"
    with pytest.raises(ValidationError):
        apply(world, attachments=[Upload(file=pdf(content=good)), Upload(file=exe_as_pdf())])
    assert counts() == before
    assert AuditEntry.objects.count() == audit_before
    assert (
        not CaseParty.objects.filter(case__applications__isnull=True, case__door=Door.ONLINE)
        .exclude(case__in=world.cases.values())
        .exists()
    )
    # The good file, stored before the bad one was found, is removed too.
    prefix = hashlib.sha256(good).hexdigest()[:16]
    assert not list(Path(settings.MEDIA_ROOT).rglob(f"{prefix}*"))


def test_same_token_twice_gives_the_first_result_and_no_duplicate(world):
    first = apply(world, client_token="tok-1")
    n = Case.objects.count()
    second = apply(world, client_token="tok-1")
    assert not second.created and second.application == first.application
    assert Case.objects.count() == n
    # Another user cannot replay someone else's token.
    with pytest.raises(DomainError):
        apply(world, user="stranger", client_token="tok-1", identity=PartyDetails(name="路人", id_number=NEW_ID_2))


def test_account_without_person_states_identity_and_may_not_take_an_id_on_file(world):
    stranger = world.users["stranger"]
    with pytest.raises(DomainError) as exc:
        apply(
            world, user="stranger", identity=PartyDetails(name="黄大明", id_number=world.persons["borrower"].id_number)
        )
    assert exc.value.code == "id_on_file"
    result = apply(world, user="stranger", identity=PartyDetails(name="路人", id_number=NEW_ID_2, phone="13900000001"))
    assert Person.objects.get(id_number=NEW_ID_2).user == stranger
    assert Case.objects.restrict(stranger).count() == 2 == result.application.cases.count()


def test_only_parties_apply_online_and_only_staff_file_for_others(world):
    with pytest.raises(NotAllowed):
        apply(world, user="clerk")
    staff = {
        "person": PartyDetails(name="林阿公", id_number=NEW_ID, phone="13900000002", address="培斜村"),
        "institutions": [world.other_bank],
        "dispute": DISPUTE,
        "consent_online_mediation": True,
        "consent_electronic_service": False,
        "service_address": SERVICE,
    }
    with pytest.raises(NotAllowed):
        staff_file(user=world.users["party"], **staff)
    counter = staff_file(user=world.users["clerk"], **staff).application.cases.get()
    assert counter.door == Door.COUNTER and counter.station is None
    station = staff_file(user=world.users["station"], **staff).application.cases.get()
    assert station.door == Door.STATION and station.station == world.station
    # The same person (found by ID number), the station agent sees only its own filing.
    assert counter.parties.get(person__isnull=False).person == station.parties.get(person__isnull=False).person
    assert set(Case.objects.restrict(world.users["station"]).filter(pk__in=[counter.pk, station.pk])) == {station}


def test_existing_id_under_another_name_is_refused(world):
    with pytest.raises(ValidationError):
        staff_file(
            user=world.users["clerk"],
            person=PartyDetails(name="别人", id_number=world.persons["villager"].id_number),
            institutions=[world.bank],
            dispute=DISPUTE,
            consent_online_mediation=True,
            consent_electronic_service=False,
            service_address=SERVICE,
        )


def code_from(outbox):
    return re.search(r"\d{6}", outbox[-1].text).group()


def test_registration_with_phone_code(world, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration_start(name="陈新", id_number=NEW_ID, phone="13911112222")
    assert outbox[-1].to == "13911112222"
    with pytest.raises(DomainError):
        registration_complete(name="陈新", id_number=NEW_ID, phone="13911112222", code="000000", password="x")
    user = registration_complete(
        name="陈新", id_number=NEW_ID, phone="13911112222", code=code_from(outbox), password="Longer-Pass-2026"
    )
    assert user.role == "party" and user.check_password("Longer-Pass-2026")
    assert Person.objects.get(id_number=NEW_ID).user == user


def test_registration_of_a_known_person_needs_the_phone_on_file(world, outbox, django_capture_on_commit_callbacks):
    villager = world.persons["villager"]
    with pytest.raises(DomainError) as exc:
        registration_start(name=villager.name, id_number=villager.id_number, phone="13911113333")
    assert exc.value.code == "phone_mismatch"
    with django_capture_on_commit_callbacks(execute=True):
        registration_start(name=villager.name, id_number=villager.id_number, phone=villager.phone)
    user = registration_complete(
        name=villager.name,
        id_number=villager.id_number,
        phone=villager.phone,
        code=code_from(outbox),
        password="Longer-Pass-2026",
    )
    villager.refresh_from_db()
    assert villager.user == user
    assert Case.objects.restrict(user).filter(pk=world.cases["station"].pk).exists()


def test_villager_takes_over_a_station_case(world, outbox, django_capture_on_commit_callbacks):
    case = world.cases["station"]
    villager = world.persons["villager"]
    with django_capture_on_commit_callbacks(execute=True):
        assert not claim_start(number=case.number, phone="13900009999")  # not the phone on file: no code
    assert outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert claim_start(number=case.number, phone=villager.phone)
    code = code_from(outbox)
    with pytest.raises(DomainError):
        case_claim(number=case.number, phone=villager.phone, code="999999", user=None, password="Longer-Pass-2026")
    user = case_claim(number=case.number, phone=villager.phone, code=code, user=None, password="Longer-Pass-2026")
    assert user.username == villager.phone
    villager.refresh_from_db()
    assert villager.user == user
    assert list(Case.objects.restrict(user)) == [case]
    # Once taken over, there is nothing left to claim.
    assert not claim_start(number=case.number, phone=villager.phone)


def test_the_applicant_is_told_the_case_numbers_by_sms_and_email_after_commit(
    world, outbox, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = apply(
            world,
            service_address=ServiceAddress(address="龙岩市新罗区XX路1号", phone="13800138000", email="me@example.cn"),
        )
    numbers = [c.number for c in result.application.cases.order_by("pk")]
    assert [m.to for m in outbox] == ["13800138000"]
    assert all(n in outbox[0].text for n in numbers)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["me@example.cn"]
    assert all(n in mailoutbox[0].body for n in numbers)


def test_nothing_is_sent_when_the_submission_fails(world, outbox, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        apply(world, attachments=[Upload(file=pdf()), Upload(file=exe_as_pdf())])
    assert outbox == [] and mailoutbox == []

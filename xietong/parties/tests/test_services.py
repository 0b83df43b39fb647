"""Services and selectors for natural persons and the authorisations relatives act under."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify
from xietong.core.idgen import id_number_from
from xietong.core.masking import mask_id_number
from xietong.core.validators import id_check_char
from xietong.parties.choices import AddressKind, AuthorisationReason, Relationship
from xietong.parties.models import Address, Authorisation, Person
from xietong.parties.selectors import authorisations_active, persons_represented_by
from xietong.parties.services import authorisation_create, person_create, person_reveal_id, person_reveal_phone

from .factories import PersonFactory

STANDARD_EXAMPLE = "11010519491231002X"  # GB 11643's own example


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf() -> ContentFile[bytes]:
    return ContentFile(b"%PDF-1.4 signed authorisation", name="auth.pdf")


# person_create ------------------------------------------------------------------------------


class TestPersonCreate:
    def test_birth_date_and_sex_come_from_the_id_number(self, db):
        p = person_create(actor=SYSTEM, name=" 黄大明 ", id_number="350802198003150016", phone="+86 138 0013 8000")
        p.refresh_from_db()
        assert p.name == "黄大明"
        assert p.birth_date == dt.date(1980, 3, 15)
        assert p.sex == "M"
        assert p.phone == "13800138000"

    def test_a_woman_with_check_char_x_typed_in_full_width_and_lower_case(self, db):
        p = person_create(actor=SYSTEM, name="某女士", id_number="１１０１０５１９４９１２３１００２ｘ")
        p.refresh_from_db()
        assert p.id_number == STANDARD_EXAMPLE
        assert p.birth_date == dt.date(1949, 12, 31)
        assert p.sex == "F"
        assert p.phone == ""

    def test_an_international_phone_is_kept_in_e164(self, db):
        p = person_create(actor=SYSTEM, name="在印尼工作者", id_number=id_number_from(5), phone="+62 812 3456 7890")
        assert p.phone == "+6281234567890"

    def test_addresses_are_stored_with_the_person(self, db):
        p = person_create(
            actor=SYSTEM,
            name="林阿婆",
            id_number=id_number_from(6),
            addresses=[
                {"kind": AddressKind.DOMICILE, "region": "福建省龙岩市新罗区", "line": "小池镇某村1号"},
                {"kind": AddressKind.RESIDENCE, "country": "ID", "region": "Jakarta", "line": "Jl. Sudirman 1"},
            ],
        )
        addresses = {a.kind: a for a in p.addresses.all()}
        assert set(addresses) == {AddressKind.DOMICILE, AddressKind.RESIDENCE}
        assert not addresses[AddressKind.DOMICILE].is_overseas
        assert addresses[AddressKind.RESIDENCE].is_overseas
        assert last_entry().after["addresses"] == 2

    def test_an_invalid_address_rolls_back_the_person(self, db):
        number = id_number_from(7)
        count = AuditEntry.objects.count()
        with pytest.raises(ValidationError):
            person_create(actor=SYSTEM, name="某人", id_number=number, addresses=[{"kind": "palace", "line": "x"}])
        assert not Person.objects.filter(id_number=number).exists()
        assert not Address.objects.exists()
        assert AuditEntry.objects.count() == count

    def test_the_audit_entry_holds_the_masked_number_only(self, db):
        number = id_number_from(8)
        p = person_create(actor=SYSTEM, name="某人", id_number=number)
        e = last_entry()
        assert e.action == AuditAction.PERSON_CREATE
        assert e.object_id == str(p.pk)
        assert e.after["id_number"] == mask_id_number(number)
        assert number not in str(e.after)
        assert number[6:14] not in str(e.after)  # nor the birth date inside it

    @pytest.mark.parametrize("variant", [lambda n: n, lambda n: n.lower(), lambda n: " " + n + " "])
    def test_the_same_id_number_twice_is_refused(self, db, variant):
        person_create(actor=SYSTEM, name="某女士", id_number=STANDARD_EXAMPLE)
        with pytest.raises(ValidationError) as exc:
            person_create(actor=SYSTEM, name="冒名者", id_number=variant(STANDARD_EXAMPLE))
        assert "id_number" in exc.value.message_dict
        assert Person.objects.filter(id_number=STANDARD_EXAMPLE).count() == 1

    @pytest.mark.parametrize("name", ["", "   "])
    def test_a_name_is_required(self, db, name):
        with pytest.raises(ValidationError) as exc:
            person_create(actor=SYSTEM, name=name, id_number=id_number_from(9))
        assert "name" in exc.value.message_dict
        assert not Person.objects.exists()

    def test_an_invalid_id_number_is_refused(self, db):
        first17 = "35080219800315001"
        wrong = first17 + ("0" if id_check_char(first17) != "0" else "1")
        with pytest.raises(ValidationError):
            person_create(actor=SYSTEM, name="某人", id_number=wrong)
        assert not Person.objects.exists()

    def test_an_invalid_phone_is_refused(self, db):
        with pytest.raises(ValidationError):
            person_create(actor=SYSTEM, name="某人", id_number=id_number_from(10), phone="12345")
        assert not Person.objects.exists()

    def test_masked_properties(self, db):
        p = person_create(actor=SYSTEM, name="某人", id_number="350802198003150016", phone="13800138000")
        assert p.id_number_masked == "350802********0016"
        assert p.phone_masked == "138****8000"


# Revealing personal data ---------------------------------------------------------------------


class TestReveal:
    def test_revealing_the_id_number_is_audited(self, world):
        person = world.persons["borrower"]
        judge = world.users["judge"]
        count = AuditEntry.objects.count()
        assert person_reveal_id(actor=judge, person=person, ip_address="198.51.100.4") == person.id_number
        assert AuditEntry.objects.count() == count + 1
        e = last_entry()
        assert e.action == AuditAction.PERSON_VIEW_ID
        assert (e.object_type, e.object_id, e.actor_id, e.ip_address) == (
            "parties.person",
            str(person.pk),
            judge.pk,
            "198.51.100.4",
        )

    def test_revealing_the_phone_is_audited(self, world):
        person = world.persons["villager"]
        assert person_reveal_phone(actor=world.users["mediator"], person=person) == person.phone
        e = last_entry()
        assert e.action == AuditAction.PERSON_VIEW_PHONE
        assert (e.object_id, e.actor_id) == (str(person.pk), world.users["mediator"].pk)

    def test_every_reveal_is_recorded_separately(self, world):
        person = world.persons["borrower"]
        count = AuditEntry.objects.count()
        for _ in range(3):
            person_reveal_id(actor=world.users["clerk"], person=person)
        assert AuditEntry.objects.filter(action=AuditAction.PERSON_VIEW_ID, object_id=str(person.pk)).count() == 3
        assert AuditEntry.objects.count() == count + 3
        assert audit_verify()[1] is None


# Authorisations -----------------------------------------------------------------------------


@pytest.fixture
def two(db):
    """A person and the relative who will act for them."""
    return PersonFactory(name="黄大明"), PersonFactory(name="黄小明")


class TestAuthorisation:
    def test_created_with_its_document_and_audited(self, two, media):
        principal, agent = two
        auth = authorisation_create(
            actor=SYSTEM,
            principal=principal,
            agent=agent,
            relationship=Relationship.SIBLING,
            reason=AuthorisationReason.ILLNESS,
            reason_detail="重病住院",
            document=pdf(),
        )
        auth.refresh_from_db()
        assert auth.valid_from == timezone.localdate()
        assert auth.valid_until is None and auth.revoked_at is None
        assert auth.document.name.startswith("authorisations/")
        with auth.document.open("rb") as f:
            assert f.read() == b"%PDF-1.4 signed authorisation"
        assert (media / auth.document.name).exists()
        e = last_entry()
        assert e.action == AuditAction.AUTHORISATION_CREATE
        assert e.after == {
            "principal_id": principal.pk,
            "agent_id": agent.pk,
            "relationship": Relationship.SIBLING,
            "reason": AuthorisationReason.ILLNESS,
        }

    def test_nobody_authorises_themself(self, two):
        principal, _ = two
        count = AuditEntry.objects.count()
        with pytest.raises(ValidationError):
            authorisation_create(
                actor=SYSTEM,
                principal=principal,
                agent=principal,
                relationship=Relationship.SPOUSE,
                reason=AuthorisationReason.ABROAD,
                document=pdf(),
            )
        assert not Authorisation.objects.exists()
        assert AuditEntry.objects.count() == count

    def test_the_database_refuses_self_authorisation_too(self, two):
        principal, _ = two
        with pytest.raises(IntegrityError), transaction.atomic():
            Authorisation.objects.create(
                principal=principal,
                agent=principal,
                relationship=Relationship.SPOUSE,
                reason=AuthorisationReason.ABROAD,
                document="x.pdf",
                valid_from=timezone.localdate(),
            )

    def test_an_authorisation_ending_before_it_begins_is_refused(self, two):
        principal, agent = two
        today = timezone.localdate()
        for valid_from, valid_until in [(today, today - dt.timedelta(days=1)), (None, today - dt.timedelta(days=1))]:
            with pytest.raises(ValidationError) as exc:
                authorisation_create(
                    actor=SYSTEM,
                    principal=principal,
                    agent=agent,
                    relationship=Relationship.SPOUSE,
                    reason=AuthorisationReason.ABROAD,
                    document=pdf(),
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
            assert "valid_until" in exc.value.message_dict
        assert not Authorisation.objects.exists()

    def test_an_unknown_relationship_is_refused(self, two):
        principal, agent = two
        with pytest.raises(ValidationError):
            authorisation_create(
                actor=SYSTEM,
                principal=principal,
                agent=agent,
                relationship="neighbour",
                reason=AuthorisationReason.ABROAD,
                document=pdf(),
            )
        assert not Authorisation.objects.exists()

    def test_who_a_relative_may_act_for_now(self, two):
        principal, agent = two
        today = timezone.localdate()
        third, fourth, fifth = PersonFactory.create_batch(3)

        def auth(p, **kw):
            return authorisation_create(
                actor=SYSTEM,
                principal=p,
                agent=agent,
                relationship=Relationship.SIBLING,
                reason=AuthorisationReason.ILLNESS,
                document=pdf(),
                **kw,
            )

        current = auth(principal)
        expired = auth(third, valid_from=today - dt.timedelta(days=30), valid_until=today - dt.timedelta(days=1))
        future = auth(fourth, valid_from=today + dt.timedelta(days=1))
        revoked = auth(fifth, valid_until=today)
        Authorisation.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

        active = set(authorisations_active().values_list("pk", flat=True))
        assert current.pk in active
        assert {expired.pk, future.pk, revoked.pk}.isdisjoint(active)
        assert list(persons_represented_by(agent)) == [principal]
        assert list(persons_represented_by(principal)) == []

    def test_the_last_day_of_validity_still_counts(self, two):
        principal, agent = two
        today = timezone.localdate()
        authorisation_create(
            actor=SYSTEM,
            principal=principal,
            agent=agent,
            relationship=Relationship.CHILD,
            reason=AuthorisationReason.AGE,
            document=pdf(),
            valid_from=today,
            valid_until=today,
        )
        assert list(persons_represented_by(agent)) == [principal]

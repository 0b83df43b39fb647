"""The signed authorisation a relative acts under leaves through the audited download only, to the person,
the relative, the center and the court's staff and mediators of a case it is used in; never to an
institution, a station or a regulator."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from xietong.accounts.choices import Role
from xietong.accounts.services import user_create
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM
from xietong.cases.models import CaseParty
from xietong.intake.tests.helpers import EXE, JPEG, PDF
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.models import Authorisation
from xietong.parties.services import authorisation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(world, settings, tmp_path):
    """The world's authorisation (the relative for the borrower, used in the "bank" and "other_bank" cases),
    its document stored afresh for this test; the borrower signs in too."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    a = Authorisation.objects.get(principal=world.persons["borrower"], agent=world.persons["relative"])
    a.document.save("signed.pdf", ContentFile(PDF))
    borrower = world.persons["borrower"]
    borrower.user = user_create(actor=SYSTEM, username="borrower", password=None, role=Role.PARTY)
    borrower.save(update_fields=["user"])
    world.users["borrower"] = borrower.user
    return a


def client_of(world, who: str) -> Client:
    c = Client()
    c.force_login(world.users[who])
    return c


def party_url(world, auth, case_key="bank") -> str:
    case = world.cases[case_key]
    party = CaseParty.objects.get(case=case, authorisation=auth)
    return reverse("case-party-authorisation", args=[case.pk, party.pk])


def downloads() -> int:
    return AuditEntry.objects.filter(action="document.download", after__document="authorisation").count()


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200),
        ("clerk", 200),
        ("judge", 200),
        ("mediator", 200),  # assigned to the case
        ("party", 200),  # the relative
        ("borrower", 200),  # the person who gave it
        ("bank", 403),  # sees the case, not the family's paper
        ("regulator", 403),  # no case page at all
        ("other_bank", 404),
        ("other_judge", 404),
        ("other_mediator", 404),
        ("station", 404),
        ("stranger", 404),
    ],
)
def test_from_the_case_page_it_follows_the_case_and_the_family(world, auth, who, status):
    before = downloads()
    resp = client_of(world, who).get(party_url(world, auth))
    assert resp.status_code == status
    if status == 200:
        assert resp["Content-Type"] == "application/pdf"
        assert resp["Content-Disposition"].startswith("attachment")
        assert resp.content == PDF
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry.object_type == "parties.authorisation" and entry.object_id == str(auth.pk)
        assert entry.actor_id == world.users[who].pk
        assert entry.after["case"] == world.cases["bank"].number
        assert entry.after["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert downloads() == before + (status == 200)


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200),
        ("clerk", 200),
        ("mediator", 200),
        ("party", 200),
        ("borrower", 200),
        ("bank", 403),
        ("regulator", 403),
        ("station", 403),
        ("other_judge", 404),
        ("other_mediator", 404),
        ("stranger", 404),
    ],
)
def test_from_the_back_office_link_it_follows_the_same_rule(world, auth, who, status):
    before = downloads()
    resp = client_of(world, who).get(reverse("authorisation-document", args=[auth.pk]))
    assert resp.status_code == status
    if status == 200:
        assert resp.content == PDF
        assert AuditEntry.objects.order_by("-seq").first().after["case"] is None
    assert downloads() == before + (status == 200)


def test_an_authorisation_no_case_uses_is_the_family_and_the_centers_only(world, auth):
    other = authorisation_create(
        actor=SYSTEM,
        principal=world.persons["villager"],
        agent=world.persons["relative"],
        relationship=Relationship.OTHER_RELATIVE,
        reason=AuthorisationReason.ABROAD,
        document=ContentFile(JPEG, name="a.jpg"),
    )
    url = reverse("authorisation-document", args=[other.pk])
    assert client_of(world, "clerk").get(url).status_code == 404
    assert client_of(world, "mediator").get(url).status_code == 404
    resp = client_of(world, "admin").get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert client_of(world, "party").get(url).status_code == 200


def test_a_lapsed_authorisation_stays_the_relatives_but_no_longer_opens_the_case(world, auth):
    Authorisation.objects.filter(pk=auth.pk).update(revoked_at="2026-01-01T00:00:00Z")
    c = client_of(world, "party")
    assert c.get(party_url(world, auth)).status_code == 404
    assert c.get(reverse("authorisation-document", args=[auth.pk])).status_code == 200
    assert client_of(world, "clerk").get(party_url(world, auth)).status_code == 200


def test_a_party_without_an_authorisation_or_of_another_case_is_not_found(world, auth):
    case = world.cases["bank"]
    bank_party = CaseParty.objects.get(case=case, organisation__isnull=False)
    c = client_of(world, "clerk")
    assert c.get(reverse("case-party-authorisation", args=[case.pk, bank_party.pk])).status_code == 404
    other_party = CaseParty.objects.get(case=world.cases["other_bank"], authorisation=auth)
    assert c.get(reverse("case-party-authorisation", args=[case.pk, other_party.pk])).status_code == 404


def test_a_document_of_no_known_type_goes_as_bytes_never_sniffed(world, auth):
    auth.document.save("odd.pdf", ContentFile(EXE))  # the back office accepts any upload
    resp = client_of(world, "admin").get(reverse("authorisation-document", args=[auth.pk]))
    assert resp["Content-Type"] == "application/octet-stream" and resp["X-Content-Type-Options"] == "nosniff"
    assert resp.content == EXE


@pytest.mark.parametrize("who,linked", [("clerk", True), ("mediator", True), ("party", True), ("bank", False)])
def test_the_case_page_links_it_beside_the_acting_relative_for_those_who_may_open_it(world, auth, who, linked):
    c = client_of(world, who)
    html = c.get(reverse("case-detail", args=[world.cases["bank"].pk])).content.decode()
    url = party_url(world, auth)
    assert (f'href="{url}"' in html) is linked
    assert "黄小明" in html  # the relative is listed either way
    if linked:
        assert c.get(url).status_code == 200

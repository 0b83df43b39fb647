"""Services and selectors for organisations, users and API clients."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xietong.accounts.choices import ROLE_ORGANISATION_KINDS, CourtLevel, OrganisationKind, Role
from xietong.accounts.models import ApiClient, Organisation, User
from xietong.accounts.selectors import api_client_for_token
from xietong.accounts.services import api_client_create, api_client_revoke, organisation_create, user_create
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify
from xietong.core.idgen import fake_uscc
from xietong.core.validators import uscc_check_char

from .factories import UserFactory

REAL_USCC = "914403001922038216"


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


@pytest.fixture
def court(db):
    return organisation_create(
        actor=SYSTEM,
        kind=OrganisationKind.COURT,
        name="龙岩市中级人民法院",
        court_code="闽08",
        court_level=CourtLevel.INTERMEDIATE,
    )


@pytest.fixture
def bank(db):
    return organisation_create(actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name="某银行", uscc=REAL_USCC)


# Organisations -----------------------------------------------------------------------------


class TestOrganisationCreate:
    def test_a_court_is_created_and_audited(self, court):
        court.refresh_from_db()
        assert court.kind == OrganisationKind.COURT
        assert court.court_code == "闽08"
        e = last_entry()
        assert e.action == AuditAction.ORGANISATION_CREATE
        assert e.object_id == str(court.pk)
        assert e.after["court_code"] == "闽08"
        assert e.actor_kind == "system"

    def test_a_court_needs_its_code(self, db):
        count = AuditEntry.objects.count()
        with pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, kind=OrganisationKind.COURT, name="无代码法院")
        assert "court_code" in exc.value.message_dict
        assert not Organisation.objects.filter(name="无代码法院").exists()
        assert AuditEntry.objects.count() == count

    def test_court_codes_are_unique(self, court):
        with pytest.raises(ValidationError):
            organisation_create(actor=SYSTEM, kind=OrganisationKind.COURT, name="另一法院", court_code="闽08")
        assert Organisation.objects.filter(court_code="闽08").count() == 1

    def test_names_are_stripped_and_unique(self, court):
        with pytest.raises(ValidationError):
            organisation_create(actor=SYSTEM, kind=OrganisationKind.STATION, name="  龙岩市中级人民法院 ")

    def test_an_institution_needs_a_uscc(self, db):
        with pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name="某银行")
        assert "uscc" in exc.value.message_dict

    def test_an_invalid_uscc_is_refused(self, db):
        wrong = REAL_USCC[:17] + ("7" if REAL_USCC[17] != "7" else "8")
        with pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name="某银行", uscc=wrong)
        assert "uscc" in exc.value.message_dict
        assert not Organisation.objects.exists()

    def test_the_uscc_is_normalised_before_it_is_stored(self, db):
        body = "91350800MA31234AB"
        code = body + uscc_check_char(body)
        org = organisation_create(
            actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name="某银行", uscc=" " + code.lower() + " "
        )
        org.refresh_from_db()
        assert org.uscc == code

    def test_the_same_uscc_twice_is_refused(self, bank):
        with pytest.raises(ValidationError):
            organisation_create(actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name="另一银行", uscc=REAL_USCC)

    def test_the_database_refuses_a_court_without_code(self, db):
        with pytest.raises(IntegrityError), transaction.atomic():
            Organisation.objects.create(kind=OrganisationKind.COURT, name="坏法院", court_code="")

    def test_organisations_without_court_code_or_uscc_coexist(self, db):
        a = organisation_create(actor=SYSTEM, kind=OrganisationKind.STATION, name="站点一")
        b = organisation_create(actor=SYSTEM, kind=OrganisationKind.STATION, name="站点二")
        assert a.court_code == b.court_code == ""
        assert a.uscc == b.uscc == ""


# Users -------------------------------------------------------------------------------------


class TestUserCreate:
    def test_a_judge_of_a_court(self, court):
        admin = user_create(
            actor=SYSTEM, username="admin", password="Long-Enough-1", role=Role.CENTER_ADMIN, organisation=court
        )
        judge = user_create(
            actor=admin,
            username=" judge1 ",
            password="Long-Enough-1",
            role=Role.JUDGE,
            organisation=court,
            full_name=" 法官 ",
            phone="+86 138 0013 8000",
        )
        judge.refresh_from_db()
        assert judge.username == "judge1"
        assert judge.full_name == "法官"
        assert judge.phone == "13800138000"
        assert judge.check_password("Long-Enough-1")
        assert judge.password != "Long-Enough-1"
        assert not judge.is_staff and not judge.is_superuser
        assert judge.is_court_staff
        e = last_entry()
        assert e.action == AuditAction.USER_CREATE
        assert e.object_id == str(judge.pk)
        assert e.actor_id == admin.pk
        assert e.after == {"username": "judge1", "role": Role.JUDGE, "organisation_id": court.pk}
        assert "Long-Enough-1" not in str(e.after)

    def test_a_center_admin_gets_the_back_office(self, court):
        admin = user_create(
            actor=SYSTEM, username="admin", password="x-x-x-x-x-1", role=Role.CENTER_ADMIN, organisation=court
        )
        assert admin.is_staff

    def test_without_password_the_password_is_unusable(self, court):
        u = user_create(actor=SYSTEM, username="clerk", password=None, role=Role.CLERK, organisation=court)
        assert not u.has_usable_password()

    def test_a_given_hash_is_stored_as_is(self, court):
        from django.contrib.auth.hashers import make_password

        h = make_password("Some-Password-9")
        u = user_create(
            actor=SYSTEM, username="clerk", password=None, password_hash=h, role=Role.CLERK, organisation=court
        )
        u.refresh_from_db()
        assert u.password == h
        assert u.check_password("Some-Password-9")

    @pytest.mark.parametrize("role", [r for r in Role.values if ROLE_ORGANISATION_KINDS[r]])
    def test_a_staff_role_without_organisation_is_refused(self, db, role):
        with pytest.raises(ValidationError) as exc:
            user_create(actor=SYSTEM, username="u", password=None, role=role, organisation=None)
        assert "organisation" in exc.value.message_dict
        assert not User.objects.filter(username="u").exists()

    @pytest.mark.parametrize(
        ("role", "kind"),
        [
            (Role.JUDGE, OrganisationKind.INSTITUTION),
            (Role.CLERK, OrganisationKind.STATION),
            (Role.INSTITUTION_OPERATOR, OrganisationKind.COURT),
            (Role.REGULATOR, OrganisationKind.INSTITUTION),
            (Role.STATION_AGENT, OrganisationKind.PBOC_BRANCH),
            (Role.MEDIATOR, OrganisationKind.INSTITUTION),
            (Role.CENTER_ADMIN, OrganisationKind.MEDIATION_ORG),
        ],
    )
    def test_a_role_in_an_organisation_of_the_wrong_kind_is_refused(self, db, role, kind):
        extra = {"court_code": "闽09"} if kind == OrganisationKind.COURT else {}
        if kind == OrganisationKind.INSTITUTION:
            extra = {"uscc": fake_uscc(random.Random(1))}
        org = organisation_create(actor=SYSTEM, kind=kind, name="某机构", **extra)
        assert org.kind not in ROLE_ORGANISATION_KINDS[role]
        with pytest.raises(ValidationError):
            user_create(actor=SYSTEM, username="u", password=None, role=role, organisation=org)
        assert not User.objects.filter(username="u").exists()

    @pytest.mark.parametrize(
        ("role", "kind"),
        [
            (Role.REGULATOR, OrganisationKind.PBOC_BRANCH),
            (Role.REGULATOR, OrganisationKind.BANKING_REGULATOR),
            (Role.REGULATOR, OrganisationKind.FINANCIAL_REGULATOR),
            (Role.REGULATOR, OrganisationKind.JUSTICE_BUREAU),
            (Role.MEDIATOR, OrganisationKind.MEDIATION_ORG),
            (Role.STATION_AGENT, OrganisationKind.STATION),
        ],
    )
    def test_a_role_in_an_organisation_of_a_fitting_kind_is_accepted(self, db, role, kind):
        org = organisation_create(actor=SYSTEM, kind=kind, name="某机构")
        u = user_create(actor=SYSTEM, username="u", password=None, role=role, organisation=org)
        assert u.organisation_id == org.pk

    def test_a_party_belongs_to_no_organisation(self, court):
        with pytest.raises(ValidationError):
            user_create(actor=SYSTEM, username="p", password=None, role=Role.PARTY, organisation=court)
        p = user_create(actor=SYSTEM, username="p", password=None, role=Role.PARTY)
        assert p.organisation_id is None
        assert not p.is_court_staff and not p.is_regulator

    def test_an_unknown_role_is_refused(self, court):
        with pytest.raises(ValidationError) as exc:
            user_create(actor=SYSTEM, username="x", password=None, role="emperor", organisation=court)
        assert "role" in exc.value.message_dict
        assert not User.objects.filter(username="x").exists()

    def test_a_bad_phone_is_refused(self, court):
        with pytest.raises(ValidationError):
            user_create(actor=SYSTEM, username="c", password=None, role=Role.CLERK, organisation=court, phone="12345")
        assert not User.objects.filter(username="c").exists()

    def test_usernames_are_unique(self, court):
        user_create(actor=SYSTEM, username="c", password=None, role=Role.CLERK, organisation=court)
        count = AuditEntry.objects.count()
        with pytest.raises(ValidationError):
            user_create(actor=SYSTEM, username="c", password=None, role=Role.JUDGE, organisation=court)
        assert AuditEntry.objects.count() == count


# API clients --------------------------------------------------------------------------------


class TestApiClients:
    def test_created_with_a_token_stored_only_hashed(self, bank, court):
        admin = UserFactory(role=Role.CENTER_ADMIN, organisation=court)
        client, token = api_client_create(actor=admin, organisation=bank, name="核心系统")
        client.refresh_from_db()
        assert token.startswith(f"xt_{client.token_prefix}_")
        assert client.token_hash == ApiClient.hash_token(token)
        assert token not in {client.token_hash, client.token_prefix, client.name}
        assert client.is_active
        e = last_entry()
        assert e.action == AuditAction.API_CLIENT_CREATE
        assert e.actor_id == admin.pk
        assert token not in str(e.after)
        assert e.after["prefix"] == client.token_prefix

    def test_two_clients_get_different_tokens(self, bank):
        (a, ta), (b, tb) = (api_client_create(actor=SYSTEM, organisation=bank, name=n) for n in ("a", "b"))
        assert ta != tb
        assert a.token_prefix != b.token_prefix

    def test_only_institutions_get_clients(self, court):
        with pytest.raises(ValidationError):
            api_client_create(actor=SYSTEM, organisation=court, name="法院系统")
        assert not ApiClient.objects.exists()

    def test_the_token_finds_its_client(self, bank):
        client, token = api_client_create(actor=SYSTEM, organisation=bank, name="核心系统")
        assert client.last_used_at is None
        found = api_client_for_token(token)
        assert found is not None
        assert found.pk == client.pk
        assert found.organisation == bank
        client.refresh_from_db()
        assert client.last_used_at is not None

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda t: t + "x",
            lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
            lambda t: t.replace("xt_", "xx_", 1),
            lambda t: t.split("_")[0] + "_" + t.split("_")[1],
            lambda t: "",
            lambda t: "Bearer " + t,
        ],
    )
    def test_a_wrong_token_finds_nothing(self, bank, mangle):
        _, token = api_client_create(actor=SYSTEM, organisation=bank, name="核心系统")
        assert api_client_for_token(mangle(token)) is None

    def test_another_clients_prefix_with_a_wrong_secret_finds_nothing(self, bank):
        a, ta = api_client_create(actor=SYSTEM, organisation=bank, name="a")
        _, tb = api_client_create(actor=SYSTEM, organisation=bank, name="b")
        forged = f"xt_{a.token_prefix}_{tb.split('_', 2)[2]}"
        assert api_client_for_token(forged) is None
        assert api_client_for_token(ta).pk == a.pk

    def test_a_revoked_client_is_refused_and_the_revocation_audited(self, bank, court):
        admin = UserFactory(role=Role.CENTER_ADMIN, organisation=court)
        client, token = api_client_create(actor=SYSTEM, organisation=bank, name="核心系统")
        api_client_revoke(actor=admin, client=client)
        client.refresh_from_db()
        assert not client.is_active
        assert api_client_for_token(token) is None
        e = last_entry()
        assert e.action == AuditAction.API_CLIENT_REVOKE
        assert e.object_id == str(client.pk)
        assert (e.before, e.after) == ({"active": True}, {"active": False})
        assert audit_verify()[1] is None

    def test_revoking_twice_does_not_record_a_change_that_did_not_happen(self, bank):
        client, token = api_client_create(actor=SYSTEM, organisation=bank, name="核心系统")
        api_client_revoke(actor=SYSTEM, client=client)
        stale = ApiClient.objects.get(pk=client.pk)
        stale.is_active = True  # a form still showing the client as active
        api_client_revoke(actor=SYSTEM, client=stale)
        e = last_entry()
        assert e.before == {"active": False}
        assert api_client_for_token(token) is None

    def test_a_client_acts_as_its_institutions_operator(self, bank):
        client, _ = api_client_create(actor=SYSTEM, organisation=bank, name="核心系统")
        assert client.role == Role.INSTITUTION_OPERATOR
        assert client.actor_kind == "api_client"
        assert client.is_authenticated
        assert client.audit_label.startswith(f"api:{client.token_prefix}")

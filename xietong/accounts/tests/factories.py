"""Factories for organisations and users, built through the services (validated and audited, as in production).

court = CourtFactory()                     # a basic court with a code of its own
bank = InstitutionFactory(name="某银行")
clerk = UserFactory(role=Role.CLERK, organisation=court)
"""

from __future__ import annotations

import random
from typing import Any

import factory

from tests.support.factories import ServiceFactory
from xietong.accounts.choices import CourtLevel, OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.accounts.services import organisation_create, user_create
from xietong.core.idgen import fake_uscc


class OrganisationFactory(ServiceFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.MEDIATION_ORG
    name = factory.Sequence(lambda n: f"测试机构{n}")

    @classmethod
    def service(cls, **kwargs: Any) -> Organisation:
        return organisation_create(**kwargs)


class CourtFactory(OrganisationFactory):
    kind = OrganisationKind.COURT
    name = factory.Sequence(lambda n: f"测试区人民法院{n}")
    court_code = factory.Sequence(lambda n: f"闽9{n:03d}")  # clear of the real codes of the test world
    court_level = CourtLevel.BASIC


class InstitutionFactory(OrganisationFactory):
    kind = OrganisationKind.INSTITUTION
    name = factory.Sequence(lambda n: f"测试银行{n}")
    uscc = factory.Sequence(lambda n: fake_uscc(random.Random(f"institution-{n}")))


class StationFactory(OrganisationFactory):
    kind = OrganisationKind.STATION
    name = factory.Sequence(lambda n: f"测试惠农e站{n}")


class UserFactory(ServiceFactory):
    """A clerk of a new court unless told otherwise; no usable password (tests log in with force_login)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = None
    role = Role.CLERK
    organisation = factory.SubFactory(CourtFactory)
    full_name = factory.Sequence(lambda n: f"测试用户{n}")

    @classmethod
    def service(cls, **kwargs: Any) -> User:
        return user_create(**kwargs)

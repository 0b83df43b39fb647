"""Factories for natural persons, built through `person_create` (validated and audited).

person = PersonFactory()                                  # a valid, unique ID number; a mobile
abroad = PersonFactory(addresses=[{"kind": "residence", "country": "ID", "line": "Jakarta"}])
"""

from __future__ import annotations

from typing import Any

import factory

from tests.support.factories import ServiceFactory
from xietong.core.idgen import id_number_from
from xietong.parties.models import Person
from xietong.parties.services import person_create

FIRST_N = 700_000  # synthetic ID numbers clear of those the test world and the tests number by hand


class PersonFactory(ServiceFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试人{n}")
    id_number = factory.Sequence(lambda n: id_number_from(FIRST_N + n))
    phone = factory.Sequence(lambda n: f"137{n % 10**8:08d}")

    @classmethod
    def service(cls, **kwargs: Any) -> Person:
        return person_create(**kwargs)

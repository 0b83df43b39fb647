from __future__ import annotations

from typing import Any

import pytest

from xietong.audit.services import SYSTEM
from xietong.intake.models import ServiceAddressConfirmation
from xietong.parties.choices import AddressKind
from xietong.parties.models import Address

PDF = b"%PDF-1.4\n% a served document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def confirm(
    case: Any, person: Any, *, consent: bool, email: str = "", address: str = "福建省龙岩市新罗区测试路1号"
) -> Any:
    return ServiceAddressConfirmation.objects.create(
        case=case,
        person=person,
        address=address,
        phone=person.phone,
        email=email,
        consent_electronic_service=consent,
    )


def on_file(person: Any, line: str = "西城街道中山路36号") -> Address:
    return Address.objects.create(person=person, kind=AddressKind.DOMICILE, region="福建省龙岩市新罗区", line=line)


@pytest.fixture
def pdf() -> bytes:
    return PDF


@pytest.fixture
def system() -> Any:
    return SYSTEM


def person_party(case: Any) -> Any:
    return case.parties.filter(person__isnull=False).select_related("person").get()


def org_party(case: Any) -> Any:
    return case.parties.filter(organisation__isnull=False).select_related("organisation").get()

"""Demo data of this app, loaded by `load_demo` after the region (see xietong/demo/region.py).

Story 1: the overdue debts of Mr Huang's seriously ill brother at the three banks of his cases,
linked to those cases; and another borrower with overdue debts at three banks, no case and no
lawsuit yet, so that the lookup → three cases in one step can be clicked through live.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.cases.choices import Product
from xietong.cases.models import Case
from xietong.core.idgen import fake_id_number, fake_mobile
from xietong.parties.choices import AddressKind, AuthorisationReason
from xietong.parties.models import Authorisation, Person
from xietong.parties.services import person_create

from .services import overdue_debt_record

# The second story-1 borrower: nothing filed yet, debts at three banks.
SECOND_BORROWER_NAME = "邱春兰"


def demo_hint() -> list[Person]:
    """The demo borrowers to try in the lookup (shown on the lookup page in demo mode only)."""
    return list(Person.objects.filter(name=SECOND_BORROWER_NAME, overdue_debts__isnull=False).distinct()[:1])


def _card_number(rng: random.Random) -> str:
    return "6" + "".join(str(rng.randrange(10)) for _ in range(15))


def _huang_principal() -> Person | None:
    auth = (
        Authorisation.objects.filter(reason=AuthorisationReason.ILLNESS, agent__name="黄德华")
        .select_related("principal")
        .first()
    ) or Authorisation.objects.filter(reason=AuthorisationReason.ILLNESS).select_related("principal").first()
    return auth.principal if auth else None


def seed(*, actor: Any) -> None:
    """Add this app's demo data. Called once, inside the loader's transaction, at the real time."""
    rng = random.Random("lookup-demo")  # noqa: S311 - fictitious demo data
    today = timezone.localdate()
    banks: list[Organisation] = []
    brother = _huang_principal()
    if brother is not None:
        cases = (
            Case.objects.filter(parties__person=brother, institution__isnull=False)
            .select_related("institution")
            .order_by("submitted_at", "pk")
            .distinct()
        )
        for case in cases:
            banks.append(case.institution)  # type: ignore[arg-type]
            overdue_debt_record(
                actor=actor,
                institution=case.institution,  # type: ignore[arg-type]
                person=brother,
                product=case.product,
                contract_number=_card_number(rng),
                principal=case.principal,
                interest=case.interest,
                penalty=case.penalty,
                overdue_since=timezone.localtime(case.submitted_at).date() - dt.timedelta(days=rng.randint(120, 300)),
                reported_at=case.submitted_at - dt.timedelta(days=rng.randint(3, 20)),
                case=case,
            )
    if len(banks) < 3:
        banks = list(Organisation.objects.filter(kind=OrganisationKind.INSTITUTION).order_by("name")[:3])
    id_number = fake_id_number(rng, region="350802", sex="F")
    while Person.objects.filter(id_number=id_number).exists():
        id_number = fake_id_number(rng, region="350802", sex="F")
    phone = fake_mobile(rng)
    while Person.objects.filter(phone=phone).exists():
        phone = fake_mobile(rng)
    second = person_create(
        actor=actor,
        name=SECOND_BORROWER_NAME,
        id_number=id_number,
        phone=phone,
        addresses=[
            {
                "kind": AddressKind.DOMICILE,
                "country": "CN",
                "region": "福建省龙岩市新罗区",
                "line": "西陂街道林邦村3组27号",
                "postcode": "364000",
            }
        ],
    )
    products = (Product.CREDIT_CARD, Product.CONSUMER_LOAN, Product.CREDIT_CARD)
    for bank, product in zip(banks[:3], products, strict=False):
        principal = Decimal(rng.randrange(600_000, 4_000_000)) / 100
        overdue_debt_record(
            actor=actor,
            institution=bank,
            person=second,
            product=product,
            contract_number=_card_number(rng) if product == Product.CREDIT_CARD else f"JK{rng.randrange(10**9):09d}",
            principal=principal,
            interest=(principal * Decimal("0.07")).quantize(Decimal("0.01")),
            penalty=(principal * Decimal("0.02")).quantize(Decimal("0.01")),
            overdue_since=today - dt.timedelta(days=rng.randint(90, 240)),
            reported_at=timezone.now() - dt.timedelta(days=rng.randint(1, 10)),
        )

"""A story-1 borrower for tests: overdue debts at three banks, nothing filed yet."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from tests.support.world import World
from xietong.accounts.choices import OrganisationKind
from xietong.accounts.services import organisation_create
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Product
from xietong.core.idgen import fake_uscc
from xietong.lookup.models import OverdueDebt
from xietong.lookup.services import overdue_debt_record
from xietong.parties.models import Person
from xietong.parties.services import person_create

FRESH_ID = "350802197205120021"  # 邱春兰: valid check digit, not in build_world


def add_story1_borrower(world: World) -> tuple[Person, list[OverdueDebt]]:
    third = organisation_create(
        actor=SYSTEM,
        kind=OrganisationKind.INSTITUTION,
        name="中国建设银行股份有限公司龙岩分行",
        short_name="建设银行龙岩分行",
        uscc=fake_uscc(random.Random(99)),
    )
    world.extra["third_bank"] = third
    person = person_create(actor=SYSTEM, name="邱春兰", id_number=FRESH_ID, phone="13905970001")
    debts = []
    for k, (bank, product) in enumerate(
        ((world.bank, Product.CREDIT_CARD), (world.other_bank, Product.CONSUMER_LOAN), (third, Product.CREDIT_CARD))
    ):
        debts.append(
            overdue_debt_record(
                actor=SYSTEM,
                institution=bank,
                person=person,
                product=product,
                contract_number=f"62220000000{k:05d}",
                principal=Decimal("10000.00") + k,
                interest=Decimal("700.10"),
                penalty=Decimal("200.20"),
                overdue_since=timezone.localdate() - dt.timedelta(days=120 + k),
            )
        )
    return person, debts

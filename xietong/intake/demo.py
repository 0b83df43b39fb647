"""Demo data of this app, loaded by `load_demo` after the region (see xietong/demo/region.py).

Two online applications with attachments and service-address confirmations (one names two banks,
so it opens two cases), and one case a rural station filed for a villager without an account, ready
to be taken over at /claim/ with the case number and the villager's phone (the code goes to the SMS
backend: the console and var/sms.log in the demo).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.accounts.services import user_create
from xietong.cases.choices import Product, TeamKind, Wish
from xietong.cases.models import Team
from xietong.cases.services import case_assign_team
from xietong.core.idgen import id_number_from
from xietong.parties.choices import AddressKind
from xietong.parties.models import Person
from xietong.parties.services import person_create

from .models import Application
from .services import (
    DisputeDetails,
    PartyDetails,
    ServiceAddress,
    Upload,
    citizen_apply,
    person_link_account,
    staff_file,
)

# Fictitious people of the demo (IDs valid by checksum only; phones in a reserved-looking range).
CLAIMABLE_VILLAGER_PHONE = "13905970188"
_PEOPLE = [
    ("周春梅", "13905970111", "新罗区东城街道龙腾中路18号"),
    ("吴建国", "13905970122", "新罗区西城街道中山路36号"),
    ("罗秀英", CLAIMABLE_VILLAGER_PHONE, "新罗区小池镇培斜村3组12号"),
]


def _pdf(text: str) -> ContentFile[bytes]:
    body = f"%PDF-1.4\n% {text}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return ContentFile(body, name="evidence.pdf")


def _png() -> ContentFile[bytes]:
    # A 1×1 transparent PNG.
    data = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
    return ContentFile(data, name="statement.png")


def _free_id(rng: random.Random) -> str:
    while True:
        candidate = id_number_from(rng.randrange(5_000_000, 9_000_000))
        if not Person.objects.filter(id_number=candidate).exists():
            return candidate


def _person(*, actor: Any, rng: random.Random, name: str, phone: str, address: str) -> Person:
    return person_create(
        actor=actor,
        name=name,
        id_number=_free_id(rng),
        phone=phone,
        addresses=[{"kind": AddressKind.DOMICILE, "country": "CN", "region": "福建省龙岩市", "line": address}],
    )


def seed(*, actor: Any) -> None:
    """Add this app's demo data. Called once, inside the loader's transaction, at the real time.

    Each submission runs on a clock held still at the real time, so a case's `created` event carries
    exactly its submission time, as in the rest of the demo's history.
    """
    from xietong.demo.clock import SimulatedClock

    with SimulatedClock() as clock:
        applications = _seed(actor=actor, tick=lambda: clock.set(dt.datetime.now(dt.UTC)))
        # Triage sorted them; the center puts the ones it gave no team to with pre-litigation mediation.
        for application in applications:
            for case in application.cases.filter(team__isnull=True):
                team = Team.objects.filter(court=case.court, kind=TeamKind.PRE_MEDIATION).first()
                staff = User.objects.filter(role=Role.CENTER_ADMIN, is_active=True).order_by("pk").first()
                if team is not None and staff is not None:
                    clock.set(dt.datetime.now(dt.UTC))
                    case_assign_team(case=case, actor=staff, team=team)


def _seed(*, actor: Any, tick: Callable[[], None]) -> list[Application]:
    institutions = {o.short_name or o.name: o for o in Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)}
    if len(institutions) < 2:
        return []
    done: list[Application] = []
    banks = sorted(institutions.values(), key=lambda o: o.pk)
    rng = random.Random("intake-demo")  # noqa: S311 - fictitious data
    from xietong.demo.region import DEMO_PASSWORD

    for (name, phone, address), chosen, product, amounts, wishes in [
        (
            _PEOPLE[0],
            banks[:2],
            Product.CREDIT_CARD,
            (Decimal("23800.00"), Decimal("1620.35"), Decimal("980.00")),
            [Wish.INSTALMENTS, Wish.PENALTY_REDUCTION],
        ),
        (
            _PEOPLE[1],
            banks[2:3] or banks[:1],
            Product.CONSUMER_LOAN,
            (Decimal("56000.00"), Decimal("3200.00"), Decimal("0.00")),
            [Wish.MORE_TIME],
        ),
    ]:
        if User.objects.filter(username=phone).exists():
            continue
        user = user_create(
            actor=actor, username=phone, password=DEMO_PASSWORD, role=Role.PARTY, full_name=name, phone=phone
        )
        tick()
        person = _person(actor=actor, rng=rng, name=name, phone=phone, address=address)
        person_link_account(actor=actor, person=person, user=user)
        result = citizen_apply(
            user=user,
            identity=None,
            institutions=chosen,
            dispute=DisputeDetails(
                product=product,
                principal=amounts[0],
                interest=amounts[1],
                penalty=amounts[2],
                facts="因经营困难，自今年春季起未能按期还款，希望通过调解分期偿还。",
                wishes=list(wishes),
            ),
            consent_online_mediation=True,
            consent_electronic_service=True,
            service_address=ServiceAddress(
                address=f"福建省龙岩市{address}", phone=phone, consent_electronic_service=True
            ),
            attachments=[Upload(file=_pdf(f"{name} 还款记录")), Upload(file=_png())],
        )
        done.append(result.application)

    agent = User.objects.filter(role=Role.STATION_AGENT, organisation__isnull=False).order_by("pk").first()
    name, phone, address = _PEOPLE[2]
    if agent is None or Person.objects.filter(phone=phone).exists():
        return done
    tick()
    villager = _person(actor=actor, rng=rng, name=name, phone=phone, address=address)
    result = staff_file(
        user=agent,
        person=PartyDetails(name=name, id_number=villager.id_number, phone=phone),
        institutions=banks[1:2],
        dispute=DisputeDetails(
            product=Product.BUSINESS_LOAN,
            principal=Decimal("38000.00"),
            interest=Decimal("2150.00"),
            facts="种植脐橙的经营贷款，因冻灾减产未能按期还款；本人不会使用手机应用，由惠农e站代为申请。",
            wishes=[Wish.INSTALMENTS, Wish.INTEREST_REDUCTION],
        ),
        consent_online_mediation=True,
        consent_electronic_service=False,
        service_address=ServiceAddress(address=f"福建省龙岩市{address}", phone=phone),
    )
    done.append(result.application)
    return done

"""Demo story 6: twenty villagers of one township name the same unlicensed "investment" company.

They file at their rural station, one after the other at the time the demo is loaded, against 龙岩鑫汇投资咨询有限公司 (no
financial licence: not an institution of the region). The counts are rebuilt over the whole demo
history and today's detector runs: the claimant cluster becomes a lead (线索) and the respondent's
stratum a statistical warning, which the PBoC branch's regulator (`pboc`) sees on arrival,
acknowledges and escalates in the browser; the court staff open the disputes behind it. The region's
ordinary bank batches are collection work and raise nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.cases.choices import Door, Product, TeamKind
from xietong.cases.models import Team
from xietong.cases.services import case_assign_team
from xietong.core.idgen import fake_id_number, fake_mobile
from xietong.parties.choices import AddressKind
from xietong.parties.models import Person
from xietong.parties.services import person_create

from .counting import risk_counts_rebuild
from .services import risk_detect

COMPANY = "龙岩鑫汇投资咨询有限公司"
TOWNSHIP = "福建省龙岩市新罗区小池镇"
VILLAGERS = 20
SURNAMES = "林陈黄张吴罗邱赖"
GIVEN = "金水春生秀英德福建华玉兰永发桂香"


def seed(*, actor: Any) -> None:
    """Add this app's demo data. Called once, inside the loader's transaction, at the real time."""
    from xietong.demo.clock import SimulatedClock
    from xietong.intake.services import DisputeDetails, application_submit

    station = (
        Organisation.objects.filter(kind=OrganisationKind.STATION, name__contains="小池").first()
        or Organisation.objects.filter(kind=OrganisationKind.STATION).order_by("pk").first()
    )
    if station is None:
        return
    rng = random.Random("risk-demo")  # noqa: S311 - fictitious data
    staff = User.objects.filter(role=Role.CENTER_ADMIN, is_active=True).order_by("pk").first()
    # The clock is held still at the real time for each filing, as the intake demo does (the audit
    # trail stays in time order after the region's simulated history).
    with SimulatedClock() as clock:
        for _i in range(VILLAGERS):
            clock.set(dt.datetime.now(dt.UTC))
            id_number = fake_id_number(rng, region="350802")
            while Person.objects.filter(id_number=id_number).exists():
                id_number = fake_id_number(rng, region="350802")
            person = person_create(
                actor=actor,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                id_number=id_number,
                phone=fake_mobile(rng),
                addresses=[
                    {"kind": kind, "country": "CN", "region": TOWNSHIP, "line": line}
                    for kind in (AddressKind.DOMICILE, AddressKind.RESIDENCE)
                    for line in [f"{rng.choice('东西南北')}坑村{rng.randrange(1, 90)}号"]
                ],
            )
            application = application_submit(
                actor=actor,
                door=Door.STATION,
                station=station,
                person=person,
                institutions=[],
                dispute=DisputeDetails(
                    product=Product.OTHER,
                    principal=str(rng.randrange(2, 30) * 10_000),
                    facts="经人介绍购买该公司“高息理财”产品，承诺月息2%，到期后公司无法兑付本息，负责人失联。",
                    respondent_name=COMPANY,
                ),
                consent_online_mediation=True,
                consent_electronic_service=False,
            ).application
            for case in application.cases.filter(team__isnull=True):
                team = Team.objects.filter(court=case.court, kind=TeamKind.PRE_MEDIATION).first()
                if team is not None and staff is not None:
                    clock.set(dt.datetime.now(dt.UTC))
                    case_assign_team(case=case, actor=staff, team=team)
        clock.release()
    risk_counts_rebuild(actor=actor)
    risk_detect(day=timezone.localdate(), rollup=False)

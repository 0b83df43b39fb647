"""The general run of cases: about two hundred disputes across the banks, products, doors and every state."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Door, Product

from ..data import GENERAL_TARGETS, INSTITUTIONS, PRODUCT_MIX, amounts_for
from ..engine import Region


def plan(region: Region) -> None:
    S = CaseState
    targets = [state for state, n in GENERAL_TARGETS.items() for _ in range(n)]
    region.rng.shuffle(targets)
    vias: dict[str, tuple[tuple[str, int], ...]] = {
        S.CLOSED: (("fulfilled", 5), ("tried", 3), ("enforcing", 2)),
        S.ENFORCING: (("tried", 7), ("performing", 3)),
        S.WITHDRAWN: (("submitted", 3), ("triaged", 3), ("mediating", 4)),
        S.REJECTED: (("submitted", 1), ("triaged", 1)),
    }
    overseas = [region.special["abroad_my"], region.special["abroad_sg"]]
    refusals = 0
    for n, target in enumerate(targets):
        rng = random.Random(f"{region.seed}:general:{n}")
        bank_applies = rng.random() < 0.8
        at_station = not bank_applies and rng.random() < 0.15
        amounts: tuple[Decimal, Decimal, Decimal] | None = None
        product: str
        filer: Any
        if at_station:
            # Villagers' disputes: small loans with the rural banks.
            inst = rng.choice(("rcb", "rcb", "psbc", "abc"))
            product = rng.choice((Product.CONSUMER_LOAN, Product.BUSINESS_LOAN, Product.CREDIT_CARD))
            category = region.category_for(rng, product, inst)
            amounts = amounts_for(rng, product, between=(5_000, 60_000))
        else:
            inst = rng.choices(INSTITUTIONS, (18, 32, 18, 14, 18))[0]
            mix = PRODUCT_MIX[inst]
            product = rng.choices([p for p, _ in mix], [w for _, w in mix])[0]
            category = region.category_for(rng, product, inst)
        station = None
        before = None
        if at_station:
            door, filer = Door.STATION, None
        elif bank_applies:
            if inst in region.api_clients and rng.random() < 0.6:
                door, filer = Door.API, region.api_clients[inst]
            elif rng.random() < 0.4:
                door, filer = Door.ONLINE, region.users[inst]
            else:
                door, filer = Door.COUNTER, region.users[rng.choice(("clerk", "clerk3"))]
        else:
            door = rng.choices((Door.ONLINE, Door.COUNTER), (55, 45))[0]
            filer = None
        # The debtor: a new citizen, one of the two abroad, or someone already in debt elsewhere.
        reuse = [(p, i) for p, i in region.debtors if i != inst and p.pk not in region.party_users]
        if overseas and door != Door.STATION:
            debtor = overseas.pop()
        elif bank_applies and reuse and rng.random() < 0.08:
            debtor = rng.choice(reuse)[0]
        else:
            debtor = region.take("350802" if door == Door.STATION else None)
        if door == Door.STATION:
            station_key = rng.choice(("peixie", "peixie", "wanan"))
            station = region.orgs[station_key]
            filer = region.users["station" if station_key == "peixie" else "station2"]
        elif door == Door.ONLINE and not bank_applies:
            before = partial(region.register, debtor)
            filer = region.party(debtor)
        elif filer is None:
            filer = region.users[rng.choice(("clerk", "clerk3"))]
        guarantor = None
        if product in (Product.BUSINESS_LOAN, Product.GUARANTEE) and bank_applies and rng.random() < 0.4:
            guarantor = region.take()
        choices = vias.get(target)
        via = rng.choices([v for v, _ in choices], [w for _, w in choices])[0] if choices else ""
        refuse = target in (S.CONFIRMED, S.PERFORMING, S.FULFILLED) and refusals < 2 and rng.random() < 0.15
        refusals += refuse
        automatic = door == Door.API
        plan = region.dispute(
            f"general-{n}",
            rng,
            target=target,
            inst=inst,
            product=product,
            debtor=debtor,
            category=category,
            door=door,
            filer=filer,
            bank_applies=bank_applies,
            guarantor=guarantor,
            amounts=amounts,
            station=station,
            via=via if via not in ("submitted",) else "",
            refuse=refuse,
            triager=SYSTEM if automatic else None,
            before=before,
            assign_when_triaged=rng.random() < 0.5,
        )
        if inst == "rcb" and product == Product.CREDIT_CARD:
            # Story 5's seed: the Rural Commercial Bank's service-address forms were filled in wrongly.
            inner = plan.build

            def build(filed: dt.datetime, inner: Callable[[dt.datetime], dict[str, Any]] = inner) -> dict[str, Any]:
                kwargs = inner(filed)
                kwargs["facts"] += "经核查，其《送达地址确认书》所填地址与户籍地址不一致，首次送达未成功。"
                return kwargs

            plan.build = build
        speed = 0.3 if region.is_fast(plan) else 1.0
        region.schedule(plan, rng, start=region.start_for(rng, target, plan.steps, speed), speed=speed)

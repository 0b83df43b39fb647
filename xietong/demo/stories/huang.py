"""Story 1: Mr Huang applies online for his seriously ill brother: three banks, three agreements."""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from xietong.cases.choices import CaseState, Door, Product
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.services import authorisation_create

from ..data import amounts_for
from ..engine import WAKING, Region, snap
from ..words import tiny_pdf, ym, yuan


def plan(region: Region) -> None:
    """1. Mr Huang applies online for his seriously ill brother: three banks, three agreements."""
    rng = random.Random(f"{region.seed}:huang")
    principal, agent = region.special["huang_principal"], region.special["huang_agent"]
    first = snap(region.deadline - dt.timedelta(days=rng.uniform(12, 16)), WAKING, rng)
    first = first.replace(hour=max(first.hour, 9))

    def register_and_authorise() -> None:
        user = region.register(agent, username="huang")
        today = timezone.localdate()
        region.authorisation = authorisation_create(
            actor=user,
            principal=principal,
            agent=agent,
            relationship=Relationship.SIBLING,
            reason=AuthorisationReason.ILLNESS,
            reason_detail=f"{principal.name}身患重病住院治疗，其妻患精神疾病，膝下无子女，"
            f"委托其弟{agent.name}代为办理信用卡逾期纠纷的调解事宜。",
            document=ContentFile(tiny_pdf("Power of attorney - demo document"), name="authorisation.pdf"),
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
        )

    region.timeline.at(first - dt.timedelta(minutes=20), register_and_authorise)
    for k, inst in enumerate(("ccb", "cib", "abc")):
        bank = region.orgs[inst]
        amounts = amounts_for(rng, Product.CREDIT_CARD, between=(8_000, 35_000))
        since = timezone.localtime(first).date() - dt.timedelta(days=rng.randint(1500, 3000))
        overdue = timezone.localtime(first).date() - dt.timedelta(days=rng.randint(120, 300))
        facts = (
            f"申请人{principal.name}于{ym(since)}申领{bank.name}信用卡，自{ym(overdue)}起未按期还款，"
            f"尚欠本金{yuan(amounts[0])}、利息{yuan(amounts[1])}、违约金{yuan(amounts[2])}，银行尚未起诉。"
            f"申请人身患重病，其妻患精神疾病，二人无子女，由其弟{agent.name}受托代为申请调解；"
            f"{agent.name}表示愿协助筹款，请求减免违约金并分期还款，以免影响申请人夫妇今后的生活。"
        )
        plan = region.dispute(
            f"huang-{inst}",
            rng,
            target=CaseState.AGREEMENT,
            inst=inst,
            product=Product.CREDIT_CARD,
            debtor=principal,
            category=region.categories["credit-card"],
            door=Door.ONLINE,
            filer=region.party(agent),
            bank_applies=False,
            amounts=amounts,
            agent=agent,
            authorisation=lambda: region.authorisation,
            months=rng.choice((12, 18, 24)),
            facts=facts,
            tags=("huang",),
            bargain=True,
            who_kwargs={"integrated": False, "mediator": "mediator", "judge": "judge"},
        )
        start = first + dt.timedelta(minutes=12 * k)
        region.schedule(plan, rng, start=start, floor=start)

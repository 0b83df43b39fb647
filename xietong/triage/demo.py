"""Demo data of triage: the rules of the region's center and the Rural Commercial Bank's memorandum.

`rules_seed` runs at the region's setup, before the first dispute, so that every dispute of the
history is triaged by these rules through `case_auto_triage` (or by its batch's import), as at
every door of the platform:

* The category comes from the dispute itself: the loan programme its facts name gives the coloured
  categories (green: water-and-soil and ecological loans; yellow: rural-revitalisation loans; red:
  youth-entrepreneurship loans), else the product gives the plain ones (credit card, consumer loan,
  business loan).
* The colour gives the channel: green → mediable, yellow → hard to enforce, red → group risk, also
  for a dispute filed with its category already chosen.
* A dispute in the stratum of an open risk warning or lead goes to the group-risk channel (story 6),
  a party abroad to mediation online.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.cases.choices import Channel, Colour, Product
from xietong.cases.models import Category

from .models import SMALL_CLAIMS_LIMIT
from .services import memorandum_create, triage_rule_create

BUSINESS = [Product.BUSINESS_LOAN, Product.GUARANTEE]
# The loan programmes that name each coloured category in the facts.
PROGRAMMES: dict[str, list[str]] = {
    "eco": ["水土保持", "水土流失", "林权", "生态茶园", "生态修复"],
    "rural": ["乡村振兴", "农户小额", "特色种养殖"],
    "youth": ["青年创业", "创业担保"],
}
COLOUR_CHANNEL: dict[str, str] = {
    Colour.GREEN: Channel.MEDIABLE,
    Colour.YELLOW: Channel.HARD_TO_ENFORCE,
    Colour.RED: Channel.GROUP_RISK,
}

# name, position, conditions (category codes under "categories"), outcomes (category code under "set_category")
RULES: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = [
    (
        "水土生态贷款（绿色）：可调解",
        10,
        {"products": BUSINESS, "keywords": PROGRAMMES["eco"]},
        {"set_category": "eco", "set_channel": Channel.MEDIABLE},
    ),
    ("已标注水土生态（绿色）：可调解", 11, {"categories": ["eco"]}, {"set_channel": Channel.MEDIABLE}),
    (
        "乡村振兴贷款（黄色）：难执行",
        20,
        {"products": BUSINESS, "keywords": PROGRAMMES["rural"]},
        {"set_category": "rural", "set_channel": Channel.HARD_TO_ENFORCE},
    ),
    ("已标注乡村振兴（黄色）：难执行", 21, {"categories": ["rural"]}, {"set_channel": Channel.HARD_TO_ENFORCE}),
    (
        "青年创业金贷款（红色）：群体性风险",
        30,
        {"products": BUSINESS, "keywords": PROGRAMMES["youth"]},
        {"set_category": "youth", "set_channel": Channel.GROUP_RISK},
    ),
    ("已标注青年创业金（红色）：群体性风险", 31, {"categories": ["youth"]}, {"set_channel": Channel.GROUP_RISK}),
    ("属于未结风险预警或线索的分层：群体性风险", 40, {"in_risk_stratum": True}, {"set_channel": Channel.GROUP_RISK}),
    ("当事人在境外：可调解（全程在线）", 50, {"has_overseas_party": True}, {"set_channel": Channel.MEDIABLE}),
    ("信用卡纠纷：信用卡类", 60, {"products": [Product.CREDIT_CARD]}, {"set_category": "credit-card"}),
    ("消费贷纠纷：消费贷类", 61, {"products": [Product.CONSUMER_LOAN]}, {"set_category": "consumer-loan"}),
    ("经营贷纠纷：经营贷类", 62, {"products": BUSINESS}, {"set_category": "business-loan"}),
]


def rules_seed(*, actor: Any) -> None:
    """The center's rules and the memorandum, through the triage services (at the region's setup)."""
    categories = {c.code: c for c in Category.objects.all()}
    for name, position, conditions, outcomes in RULES:
        conditions = dict(conditions)
        outcomes = dict(outcomes)
        codes = conditions.pop("categories", [])
        if any(c not in categories for c in codes):
            continue  # a rule on a category the region does not have would match every dispute
        wanted = [categories[c] for c in codes]
        if "set_category" in outcomes:
            outcomes["set_category"] = categories.get(outcomes["set_category"])
            if outcomes["set_category"] is None:
                continue
        triage_rule_create(actor=actor, name=name, position=position, categories=wanted, **conditions, **outcomes)
    bank = (
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, name__contains="农村商业银行")
        .order_by("pk")
        .first()
    )
    if bank is not None:
        signed = timezone.localdate() - dt.timedelta(days=150)
        memorandum_create(
            actor=actor,
            institution=bank,
            signed_on=signed,
            valid_until=signed + dt.timedelta(days=730),
            amount_limit=SMALL_CLAIMS_LIMIT,
            note="小额诉讼快审备忘录（试点）",
        )

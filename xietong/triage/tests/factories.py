"""Small helpers for the triage tests: cases, rules and memoranda made through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from xietong.audit.services import SYSTEM
from xietong.cases.choices import Channel, Door, PartyRole, Product
from xietong.cases.models import Case
from xietong.cases.services import PersonParty, case_create
from xietong.triage.models import SmallClaimsMemorandum, TriageRule

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


def make_case(world, *, person: str = "other", institution: Any = "bank", **kw: Any) -> Case:
    inst = getattr(world, institution) if isinstance(institution, str) else institution
    extra = kw.pop("extra_persons", [])
    return case_create(
        actor=SYSTEM,
        court=kw.pop("court", world.court),
        institution=inst,
        product=kw.pop("product", Product.CREDIT_CARD),
        door=kw.pop("door", Door.ONLINE),
        persons=[PersonParty(person=world.persons[person], role=PartyRole.RESPONDENT)]
        + [PersonParty(person=world.persons[p], role=PartyRole.THIRD_PARTY) for p in extra],
        principal=kw.pop("principal", Decimal("1000.00")),
        interest=kw.pop("interest", Decimal("0")),
        penalty=kw.pop("penalty", Decimal("0")),
        **kw,
    )


_n = [0]


def make_rule(**kw: Any) -> TriageRule:
    _n[0] += 1
    m2m = {k: kw.pop(k) for k in ("institutions", "categories") if k in kw}
    kw.setdefault("set_channel", Channel.GROUP_RISK)
    rule = TriageRule(name=kw.pop("name", f"rule {_n[0]}"), position=kw.pop("position", 100), **kw)
    rule.full_clean(exclude=["institutions", "categories"])
    rule.save()
    for k, v in m2m.items():
        getattr(rule, k).set(v)
    return rule


def make_memo(institution: Any, signed_on: dt.date, valid_until: dt.date, **kw: Any) -> SmallClaimsMemorandum:
    memo = SmallClaimsMemorandum(institution=institution, signed_on=signed_on, valid_until=valid_until, **kw)
    memo.full_clean()
    memo.save()
    return memo

from __future__ import annotations

from typing import Any

from tests.support.world import PASSWORD, World
from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.services import organisation_create, user_create
from xietong.audit.services import SYSTEM
from xietong.outreach.choices import ArticleKind
from xietong.outreach.models import Article
from xietong.outreach.services import article_create


def add_other_station(world: World) -> Any:
    """A second rural station with its own agent (world.users['other_station'])."""
    if "other_station" not in world.users:
        station = organisation_create(actor=SYSTEM, kind=OrganisationKind.STATION, name="万安镇惠农e站")
        world.extra["other_station"] = station
        world.users["other_station"] = user_create(
            actor=SYSTEM,
            username="other_station",
            password=PASSWORD,
            role=Role.STATION_AGENT,
            organisation=station,
            full_name="万安代办员",
        )
    return world.users["other_station"]


def write(world: World, who: str = "station", *, publish: bool = False, **kw: Any) -> Article:
    return article_create(
        actor=world.users[who],
        kind=kw.pop("kind", ArticleKind.LEGAL_EDUCATION),
        title=kw.pop("title", "信用卡逾期了怎么办？"),
        summary=kw.pop("summary", "先沟通，再调解。"),
        body=kw.pop("body", "第一段。\n\n第二段。"),
        publish=publish,
        **kw,
    )

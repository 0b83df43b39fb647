"""A small, complete world for tests: built through the same services the platform uses."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from xietong.accounts.choices import CourtLevel, OrganisationKind, Role
from xietong.accounts.models import ApiClient, Organisation, User
from xietong.accounts.services import api_client_create, organisation_create, user_create
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.models import Case, Category
from xietong.cases.services import PersonParty, case_assign_mediator, case_create, case_triage
from xietong.core.idgen import fake_mobile, fake_uscc, id_number_from
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.models import Person
from xietong.parties.services import authorisation_create, person_create

PASSWORD = "Xietong-Test-2026"


@dataclass
class World:
    court: Organisation
    other_court: Organisation
    bank: Organisation
    other_bank: Organisation
    station: Organisation
    mediation_org: Organisation
    regulator_org: Organisation
    users: dict[str, User]
    persons: dict[str, Person]
    cases: dict[str, Case]
    api_token: str
    other_api_token: str
    api_client: ApiClient
    extra: dict[str, Any] = field(default_factory=dict)


def build_world(seed: int = 7) -> World:
    rng = random.Random(seed)
    s = SYSTEM
    court = organisation_create(
        actor=s,
        kind=OrganisationKind.COURT,
        name="龙岩市新罗区人民法院",
        court_code="闽0802",
        court_level=CourtLevel.BASIC,
    )
    other_court = organisation_create(
        actor=s,
        kind=OrganisationKind.COURT,
        name="龙岩市永定区人民法院",
        court_code="闽0803",
        court_level=CourtLevel.BASIC,
    )
    bank = organisation_create(
        actor=s, kind=OrganisationKind.INSTITUTION, name="中国邮政储蓄银行龙岩市分行", uscc=fake_uscc(rng)
    )
    other_bank = organisation_create(
        actor=s, kind=OrganisationKind.INSTITUTION, name="龙岩农村商业银行", uscc=fake_uscc(rng)
    )
    station = organisation_create(actor=s, kind=OrganisationKind.STATION, name="小池镇惠农e站")
    mediation_org = organisation_create(actor=s, kind=OrganisationKind.MEDIATION_ORG, name="龙岩市金融纠纷调解中心")
    regulator_org = organisation_create(actor=s, kind=OrganisationKind.PBOC_BRANCH, name="中国人民银行龙岩市分行")

    def u(username: str, role: str, org: Organisation | None, name: str) -> User:
        return user_create(actor=s, username=username, password=PASSWORD, role=role, organisation=org, full_name=name)

    users = {
        "admin": u("admin", Role.CENTER_ADMIN, court, "中心管理员"),
        "clerk": u("clerk", Role.CLERK, court, "书记员甲"),
        "judge": u("judge", Role.JUDGE, court, "法官甲"),
        "other_judge": u("other_judge", Role.JUDGE, other_court, "法官乙"),
        "mediator": u("mediator", Role.MEDIATOR, mediation_org, "调解员甲"),
        "other_mediator": u("other_mediator", Role.MEDIATOR, mediation_org, "调解员乙"),
        "bank": u("bank", Role.INSTITUTION_OPERATOR, bank, "邮储操作员"),
        "other_bank": u("other_bank", Role.INSTITUTION_OPERATOR, other_bank, "农商行操作员"),
        "regulator": u("regulator", Role.REGULATOR, regulator_org, "人行监管员"),
        "station": u("station", Role.STATION_AGENT, station, "站点代办员"),
        "party": u("party", Role.PARTY, None, "黄某某"),
        "stranger": u("stranger", Role.PARTY, None, "路人"),
    }
    persons = {
        "borrower": person_create(actor=s, name="黄大明", id_number="350802198003150016", phone=fake_mobile(rng)),
        "relative": person_create(actor=s, name="黄小明", id_number="350802198506200038", phone=fake_mobile(rng)),
        "villager": person_create(actor=s, name="林阿婆", id_number="35082119550101002X", phone=fake_mobile(rng)),
        "other": person_create(actor=s, name="张三", id_number="350803199001010037", phone=fake_mobile(rng)),
    }
    persons["relative"].user = users["party"]
    persons["relative"].save(update_fields=["user"])
    auth = authorisation_create(
        actor=s,
        principal=persons["borrower"],
        agent=persons["relative"],
        relationship=Relationship.SIBLING,
        reason=AuthorisationReason.ILLNESS,
        document=ContentFile(b"%PDF-1.4 authorisation", name="auth.pdf"),
    )
    card = Category.objects.create(name="信用卡", code="credit-card")
    green = Category.objects.create(name="水土生态", code="eco", colour="green")

    def c(person: str, institution: Organisation, court_: Organisation, **kw: Any) -> Case:
        agent = kw.pop("agent", None)
        return case_create(
            actor=s,
            court=court_,
            institution=institution,
            product=kw.pop("product", Product.CREDIT_CARD),
            door=kw.pop("door", Door.ONLINE),
            persons=[
                PersonParty(
                    person=persons[person],
                    role=PartyRole.RESPONDENT,
                    agent=persons[agent] if agent else None,
                    authorisation=auth if agent else None,
                )
            ],
            principal=Decimal("12000.00"),
            interest=Decimal("800.50"),
            penalty=Decimal("199.50"),
            category=kw.pop("category", card),
            **kw,
        )

    cases = {
        "bank": c("borrower", bank, court, agent="relative"),
        "other_bank": c("borrower", other_bank, court, agent="relative", category=green),
        "station": c("villager", other_bank, court, door=Door.STATION, station=station),
        "other_court": c("other", bank, other_court),
    }
    case_triage(case=cases["bank"], actor=SYSTEM)
    case_assign_mediator(case=cases["bank"], actor=users["clerk"], mediator=users["mediator"])
    for k in cases:
        cases[k].refresh_from_db()
    client, token = api_client_create(actor=s, organisation=bank, name="邮储核心系统")
    _, other_token = api_client_create(actor=s, organisation=other_bank, name="农商行系统")
    return World(
        court=court,
        other_court=other_court,
        bank=bank,
        other_bank=other_bank,
        station=station,
        mediation_org=mediation_org,
        regulator_org=regulator_org,
        users=users,
        persons=persons,
        cases=cases,
        api_token=token,
        other_api_token=other_token,
        api_client=client,
    )


# Built once, loaded per test -------------------------------------------------------------------


@dataclass(frozen=True)
class WorldIds:
    """What a committed world is made of, by primary key: enough to load fresh instances per test."""

    orgs: dict[str, int]
    users: dict[str, int]
    persons: dict[str, int]
    cases: dict[str, int]
    api_token: str
    other_api_token: str
    api_client: int


ORG_FIELDS = ("court", "other_court", "bank", "other_bank", "station", "mediation_org", "regulator_org")


def world_ids(world: World) -> WorldIds:
    return WorldIds(
        orgs={f: getattr(world, f).pk for f in ORG_FIELDS},
        users={k: v.pk for k, v in world.users.items()},
        persons={k: v.pk for k, v in world.persons.items()},
        cases={k: v.pk for k, v in world.cases.items()},
        api_token=world.api_token,
        other_api_token=world.other_api_token,
        api_client=world.api_client.pk,
    )


def world_load(ids: WorldIds) -> World:
    """Fresh instances of a committed world: a test may change them without touching the next test's."""
    orgs = Organisation.objects.in_bulk(ids.orgs.values())
    users = User.objects.in_bulk(ids.users.values())
    persons = Person.objects.in_bulk(ids.persons.values())
    cases = Case.objects.in_bulk(ids.cases.values())
    return World(
        **{f: orgs[pk] for f, pk in ids.orgs.items()},
        users={k: users[pk] for k, pk in ids.users.items()},
        persons={k: persons[pk] for k, pk in ids.persons.items()},
        cases={k: cases[pk] for k, pk in ids.cases.items()},
        api_token=ids.api_token,
        other_api_token=ids.other_api_token,
        api_client=ApiClient.objects.get(pk=ids.api_client),
    )


def more_cases(world: World, n: int) -> list[Case]:
    """n more disputes like the world's bank case: triaged, with the mediator, in the clerk's court."""
    made = []
    for i in range(n):
        person = person_create(
            actor=SYSTEM, name=f"测试{i}", id_number=id_number_from(500_000 + i), phone=fake_mobile(random.Random(i))
        )
        case = case_create(
            actor=SYSTEM,
            court=world.court,
            institution=world.bank,
            product=Product.CREDIT_CARD,
            door=Door.ONLINE,
            persons=[PersonParty(person=person, role=PartyRole.RESPONDENT)],
            principal=Decimal("5000.00"),
        )
        case_triage(case=case, actor=SYSTEM)
        case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
        made.append(case)
    return made

"""The demo region: a Longyan-like center with four months of history, loaded through the services.

`load_region()` builds the two courts, the four agencies, five banks, the mediation committee, two
rural stations, their staff, about three hundred fictitious citizens and some two hundred and sixty
disputes, each driven along the workflow by the people who would take each step (the clerk triages,
the mediator mediates, the judge confirms, the bank reports repayment), so the timeline, the case
numbers, the figures and the audit trail are the platform's own.

The history is replayed in time order under a simulated clock (`xietong.demo.clock`): every step
happens at the moment it is meant to have happened, so a batch delivered at the start of last month
was really closed within that month, and the audit trail stays in time order. The last audit entry,
`demo.load`, is written at the real time and says so.

The stories of DESIGN.md are seeded on purpose (`story_case_ids` of the result names them):
1 `huang` — a relative acting for his seriously ill brother, three banks, three agreements;
2 `batch` — the Postal Savings Bank's 89 credit-card cases, 82 closed within the month;
3 `abroad` — a debtor working in Indonesia, mediated online up to judicial confirmation;
4 `colours` and `fast_track` — green/yellow/red disputes in their channels, a small claim closed in days;
6 `cluster` — twelve similar disputes against one bank's consumer loans in the last two weeks;
7 `station` — a rural station files for villagers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from xietong.accounts.choices import CourtLevel, OrganisationKind, Role
from xietong.accounts.models import ApiClient, Organisation, User
from xietong.accounts.services import api_client_create, organisation_create, user_create
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, ActorRef, audit_record
from xietong.batches import demo as batches_demo
from xietong.cases.choices import CaseState, Channel, Colour, Door, PartyRole, Product, TeamKind, Track
from xietong.cases.models import Case, Category, Team
from xietong.cases.registry import registry
from xietong.cases.services import (
    PersonParty,
    case_assign_mediator,
    case_assign_team,
    case_create,
    case_transition,
    category_ensure,
    team_create,
)
from xietong.core.idgen import fake_uscc
from xietong.intake import demo as intake_demo
from xietong.intake.services import person_link_account
from xietong.lookup import demo as lookup_demo
from xietong.mediation import demo as mediation_demo
from xietong.outreach import demo as outreach_demo
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.models import Authorisation, Person
from xietong.parties.services import authorisation_create, person_create
from xietong.repayment import demo as repayment_demo
from xietong.risk import demo as risk_demo
from xietong.service import demo as service_demo
from xietong.triage import demo as triage_demo
from xietong.triage.services import case_triage_override

from .clock import SimulatedClock
from .people import Citizen, CitizenFactory

DEMO_PASSWORD = "Xietong-Demo-2026"  # noqa: S105 - the published demo password, listed on the login page in demo mode
DEFAULT_SEED = 2026
HISTORY_DAYS = 122  # the history starts about four months ago
CITIZENS = 300
BATCH_SIZE = 89
BATCH_CLOSED = 82
FAST_TRACK_LIMIT = Decimal("100000")

# Setup writes are the loader's; steps the platform takes by itself (automatic triage, starting
# repayment after confirmation, registering a citizen) are the platform's SYSTEM.
DEMO_ACTOR = ActorRef(kind="system", id=None, label="system (demo loader)", organisation_id=None)


# The region ------------------------------------------------------------------------------------

ORGANISATIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    # key, kind, name, short name, extra fields
    (
        "zy",
        OrganisationKind.COURT,
        "龙岩市中级人民法院",
        "龙岩中院",
        {"court_code": "闽08", "court_level": CourtLevel.INTERMEDIATE, "region": "福建省龙岩市"},
    ),
    (
        "xl",
        OrganisationKind.COURT,
        "龙岩市新罗区人民法院",
        "新罗区法院",
        {"court_code": "闽0802", "court_level": CourtLevel.BASIC, "parent": "zy", "region": "福建省龙岩市新罗区"},
    ),
    ("justice", OrganisationKind.JUSTICE_BUREAU, "龙岩市司法局", "市司法局", {"region": "福建省龙岩市"}),
    (
        "finance",
        OrganisationKind.FINANCIAL_REGULATOR,
        "龙岩市地方金融监督管理局",
        "市金融监管局",
        {"region": "福建省龙岩市"},
    ),
    ("pboc", OrganisationKind.PBOC_BRANCH, "中国人民银行龙岩市分行", "人民银行龙岩市分行", {"region": "福建省龙岩市"}),
    (
        "nfra",
        OrganisationKind.BANKING_REGULATOR,
        "国家金融监督管理总局龙岩监管分局",
        "龙岩金融监管分局",
        {"region": "福建省龙岩市"},
    ),
    ("psbc", OrganisationKind.INSTITUTION, "中国邮政储蓄银行股份有限公司龙岩市分行", "邮储银行龙岩市分行", {}),
    ("rcb", OrganisationKind.INSTITUTION, "福建龙岩农村商业银行股份有限公司", "龙岩农商银行", {}),
    ("ccb", OrganisationKind.INSTITUTION, "中国建设银行股份有限公司龙岩分行", "建设银行龙岩分行", {}),
    ("cib", OrganisationKind.INSTITUTION, "兴业银行股份有限公司龙岩分行", "兴业银行龙岩分行", {}),
    ("abc", OrganisationKind.INSTITUTION, "中国农业银行股份有限公司龙岩分行", "农业银行龙岩分行", {}),
    (
        "mediation",
        OrganisationKind.MEDIATION_ORG,
        "龙岩市金融纠纷人民调解委员会",
        "金融纠纷调委会",
        {"region": "福建省龙岩市"},
    ),
    (
        "peixie",
        OrganisationKind.STATION,
        "新罗区小池镇培斜村惠农e站",
        "培斜村惠农e站",
        {"region": "福建省龙岩市新罗区", "address": "小池镇培斜村村部一楼"},
    ),
    (
        "wanan",
        OrganisationKind.STATION,
        "新罗区万安镇惠农e站",
        "万安镇惠农e站",
        {"region": "福建省龙岩市新罗区", "address": "万安镇便民服务中心"},
    ),
]
INSTITUTIONS = ("psbc", "rcb", "ccb", "cib", "abc")

# Staff: username, role, organisation, full name, description on the login page (None: not listed).
# All names are fictitious.
STAFF: list[tuple[str, str, str, str, str | None]] = [
    ("admin", Role.CENTER_ADMIN, "zy", "陈思源", "普惠金融司法协同中心 · 龙岩中院"),
    ("clerk", Role.CLERK, "xl", "张晓燕", "新罗区法院 · 立案与调裁一体团队"),
    ("clerk2", Role.CLERK, "xl", "吴志鹏", None),
    ("clerk3", Role.CLERK, "xl", "谢婷", None),
    ("judge08", Role.JUDGE, "zy", "傅嘉明", None),
    ("judge", Role.JUDGE, "xl", "林雅琴", "新罗区法院 · 调裁一体团队"),
    ("judge2", Role.JUDGE, "xl", "邱建平", None),
    ("judge3", Role.JUDGE, "xl", "赖文斌", None),
    ("mediator", Role.MEDIATOR, "mediation", "郑秋萍", "金融纠纷人民调解委员会 · 特邀调解员"),
    ("mediator2", Role.MEDIATOR, "mediation", "廖国华", None),
    ("mediator3", Role.MEDIATOR, "mediation", "江美玲", None),
    ("mediator4", Role.MEDIATOR, "mediation", "卢荣生", None),
    ("mediator5", Role.MEDIATOR, "mediation", "曾慧敏", None),
    ("mediator6", Role.MEDIATOR, "mediation", "钟伟东", None),
    ("psbc", Role.INSTITUTION_OPERATOR, "psbc", "杨丽娟", "邮储银行龙岩市分行"),
    ("rcb", Role.INSTITUTION_OPERATOR, "rcb", "蓝志坚", "龙岩农商银行"),
    ("ccb", Role.INSTITUTION_OPERATOR, "ccb", "翁晓东", "建设银行龙岩分行"),
    ("cib", Role.INSTITUTION_OPERATOR, "cib", "游佳怡", "兴业银行龙岩分行"),
    ("abc", Role.INSTITUTION_OPERATOR, "abc", "范春生", "农业银行龙岩分行"),
    ("pboc", Role.REGULATOR, "pboc", "饶海涛", "人民银行龙岩市分行"),
    ("nfra", Role.REGULATOR, "nfra", "简文华", "国家金融监督管理总局龙岩监管分局"),
    ("finance", Role.REGULATOR, "finance", "温晓玲", "龙岩市地方金融监督管理局"),
    ("justice", Role.REGULATOR, "justice", "刘建新", "龙岩市司法局"),
    ("station", Role.STATION_AGENT, "peixie", "林春花", "新罗区小池镇培斜村惠农e站"),
    ("station2", Role.STATION_AGENT, "wanan", "邱永福", None),
]
TEAMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("诉前调解团队", TeamKind.PRE_MEDIATION, ("clerk2", "mediator2", "mediator3", "mediator4", "mediator6")),
    ("立案团队", TeamKind.FILING, ("clerk", "clerk3")),
    ("审判团队", TeamKind.TRIAL, ("judge2", "judge3", "clerk3")),
    ("调裁一体团队", TeamKind.INTEGRATED, ("judge", "clerk", "mediator", "mediator5")),
]
CATEGORIES: list[tuple[str, str, str, int, str]] = [
    # code, name, colour, order, description
    ("eco", "水土生态", Colour.GREEN, 1, "涉水土流失治理、生态修复、林业等绿色金融贷款纠纷（绿色标注）"),
    ("rural", "乡村振兴", Colour.YELLOW, 2, "涉农户生产经营、特色种养殖等乡村振兴贷款纠纷（黄色标注）"),
    ("youth", "青年创业金", Colour.RED, 3, "涉青年创业贷款、创业担保贷款纠纷（红色标注）"),
    ("credit-card", "信用卡", "", 10, "信用卡透支纠纷"),
    ("consumer-loan", "消费贷", "", 11, "个人消费贷款纠纷"),
    ("business-loan", "经营贷", "", 12, "个人及小微企业经营性贷款纠纷"),
]


class DemoLogin(NamedTuple):
    username: str
    role: str | Promise  # the role's translated label
    organisation: str  # a short description, shown beside the username


PARTY_LOGINS = [
    DemoLogin("huang", Role.PARTY.label, "黄德华，为重病的哥哥代办"),
    DemoLogin("wang", Role.PARTY.label, "王志强，在印度尼西亚务工"),
]
# The logins the login page lists in demo mode. They all share DEMO_PASSWORD.
DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin(username, Role(role).label, description)
    for username, role, _, _, description in STAFF
    if description is not None
] + PARTY_LOGINS


def print_logins() -> None:
    """Print the demo logins (for `make demo`), when the demo region is loaded."""
    if not region_is_loaded():
        return
    print(f"  Demo logins (password {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        print(f"    {login.username:<10} {login.role}  {login.organisation}")


# Time -----------------------------------------------------------------------------------------

CLASSIFY_REASON = "书记员结合当事人意愿与争议焦点复核分流"
ANY, WAKING, OFFICE = "any", "waking", "office"
_OFFICE_WINDOWS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 30), dt.time(17, 30)))
_WAKING_WINDOWS = ((dt.time(7, 0), dt.time(23, 0)),)


def _local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _snap(t: dt.datetime, kind: str, rng: random.Random) -> dt.datetime:
    """The first moment at or after t when this kind of actor works: office hours on weekdays, or
    waking hours any day; automatic steps happen at once."""
    if kind == ANY:
        return t
    tz = _local_tz()
    windows = _OFFICE_WINDOWS if kind == OFFICE else _WAKING_WINDOWS
    local = t.astimezone(tz)
    day = local.date()
    for _ in range(15):
        if kind != OFFICE or _is_workday(day):
            for lo, hi in windows:
                start = dt.datetime.combine(day, lo, tzinfo=tz)
                end = dt.datetime.combine(day, hi, tzinfo=tz)
                if local <= end:
                    if local >= start:
                        return local
                    span = (end - start).total_seconds() / 60
                    return start + dt.timedelta(minutes=rng.uniform(0, min(50.0, span)))
        day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    raise RuntimeError("no working time found")  # pragma: no cover


# Public holidays with fixed dates (the lunar ones and the make-up working days are left out).
_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5), *((10, d) for d in range(1, 8))}


def _is_workday(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


def _hours_of(actor: Any) -> str:
    if isinstance(actor, ActorRef | ApiClient):
        return ANY
    if isinstance(actor, User):
        return WAKING if actor.role == Role.PARTY else OFFICE
    return WAKING  # a citizen who registers when filing


def _resolve(actor: Any) -> Any:
    return actor() if callable(actor) else actor


# Plans: a case's filing and each later step, with the actor who takes it -----------------------


class _CaseRef:
    def __init__(self) -> None:
        self.id: int | None = None


@dataclass
class _Step:
    code: str  # a transition code, or classify / team / assign
    actor: Any
    gap: tuple[float, float]  # days after the previous step
    note: str | Callable[[], str] = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    hours: str = ""


@dataclass
class _Who:
    """Who takes each step of one case."""

    triager: Any
    clerk: User
    filer: User
    mediator: User
    judge: User
    trial_judge: User
    fulfiller: Any
    withdrawer: Any
    channel: str
    track: str
    team: Team
    trial_team: Team


@dataclass
class _Plan:
    key: str
    filer: Any
    door: str
    build: Callable[[dt.datetime], dict[str, Any]]  # case_create's arguments, given the filing time
    steps: list[_Step]
    tags: tuple[str, ...] = ()
    before: Callable[[], Any] | None = None  # runs just before filing (registering, authorising)
    ref: _CaseRef = field(default_factory=_CaseRef)


class _Timeline:
    def __init__(self) -> None:
        self.events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []

    def at(self, when: dt.datetime, fn: Callable[[], Any]) -> None:
        self.events.append((when, len(self.events), fn))

    def run(self, clock: SimulatedClock) -> None:
        for when, _, fn in sorted(self.events, key=lambda e: (e[0], e[1])):
            clock.set(when)
            fn()


# Words ----------------------------------------------------------------------------------------


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}元"


def _ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _ym(d: dt.date) -> str:
    return f"{d.year}年{d.month}月"


TRIAGE_NOTES = ("材料齐全，予以受理，转诉前调解。", "经审查符合诉前调解条件。", "")
FAIL_NOTES = (
    "被申请人经多次电话联系均拒绝参加调解。",
    "双方对利息及违约金的计算分歧较大，调解不成。",
    "被申请人表示无还款能力，且拒绝提出还款计划。",
    "被申请人下落不明，经公告联系仍未到场，调解终结。",
)
REJECT_NOTES = (
    "申请材料不全，经通知补正后逾期未补正。",
    "该纠纷已由人民法院立案受理，不再进行诉前调解。",
    "申请人提供的借款合同与主张的借款主体不一致，不予受理。",
)
WITHDRAW_BANK_NOTES = (
    "被申请人已一次性结清欠款，申请人撤回调解申请。",
    "双方已自行达成还款协议，申请人撤回申请。",
)
WITHDRAW_PARTY_NOTES = ("已与银行自行协商一致，撤回申请。", "已筹款还清欠款，撤回申请。")
REFUSE_NOTE = "协议未明确逾期履行的责任，且还款日期与当事人陈述不一致，不予确认；请调解员组织双方补正后重新提交。"
CONFIRM_NOTES = ("经审查，调解协议系双方真实意思表示，内容不违反法律规定，予以司法确认。",)
FILE_NOTE = "诉前调解不成，依法转立案，原调解材料随案移送。"
ENFORCE_NOTES = ("被执行人未按生效法律文书履行义务，申请人申请强制执行。",)
FULFIL_NOTES = ("申请人确认被申请人已按协议履行完毕。", "款项已全部到账。")
CLOSE_NOTES = {
    "fulfilled": "协议已履行完毕，结案。",
    "tried": "判决已生效，被告已自动履行，结案。",
    "enforcing": "执行完毕，结案。",
}
CONSUMER_PURPOSES = ("房屋装修", "购买家用车辆", "子女教育", "购置家电", "医疗费用")
BUSINESS_PURPOSES = {
    Colour.GREEN: (
        ("水土保持治理贷款", "开展水土流失治理"),
        ("林权抵押贷款", "毛竹林抚育和林下经济"),
        ("生态茶园建设贷款", "建设生态茶园"),
    ),
    Colour.YELLOW: (
        ("乡村振兴贷", "扩建生猪养殖场"),
        ("农户小额信用贷款", "种植烤烟"),
        ("特色种养殖贷款", "种植百香果"),
        ("乡村振兴贷", "开办农家乐"),
    ),
    Colour.RED: (("青年创业贷款", "开办网店"), ("创业担保贷款", "经营奶茶店"), ("青年创业贷款", "创办电商工作室")),
    "": (
        ("个人经营性贷款", "经营建材店"),
        ("个人经营性贷款", "补充五金店流动资金"),
        ("小微企业主贷款", "经营物流车队"),
    ),
}


def _facts(
    rng: random.Random,
    *,
    product: str,
    colour: str,
    bank: str,
    debtor: str,
    guarantor: str | None,
    amounts: tuple[Decimal, Decimal, Decimal],
    filed: dt.date,
) -> str:
    principal, interest, penalty = amounts
    overdue = filed - dt.timedelta(days=rng.randint(90, 540))
    since = overdue - dt.timedelta(days=rng.randint(365, 1800))
    owed = f"尚欠本金{_yuan(principal)}、利息{_yuan(interest)}、违约金{_yuan(penalty)}"
    if product == Product.CREDIT_CARD:
        return (
            f"{debtor}于{_ym(since)}向{bank}申领信用卡一张，自{_ym(overdue)}起未按期还款，"
            f"截至{_ymd(filed)}{owed}，经多次催收未还。"
        )
    if product == Product.CONSUMER_LOAN:
        purpose = rng.choice(CONSUMER_PURPOSES)
        return (
            f"{debtor}于{_ymd(since)}向{bank}借款用于{purpose}，约定按月等额还款，"
            f"自{_ym(overdue)}起未按约还款，{owed}。"
        )
    if product == Product.MORTGAGE:
        return f"{debtor}于{_ymd(since)}向{bank}办理个人住房按揭贷款，自{_ym(overdue)}起连续逾期，{owed}。"
    if product in (Product.BUSINESS_LOAN, Product.GUARANTEE):
        name, purpose = rng.choice(BUSINESS_PURPOSES[colour])
        text = f"{debtor}于{_ymd(since)}向{bank}申请{name}用于{purpose}，自{_ym(overdue)}起未按约还款，{owed}。"
        if guarantor:
            text += f"{guarantor}为该笔贷款提供连带责任保证。"
        return text
    return f"{debtor}向{bank}借款，自{_ym(overdue)}起未按约还款，{owed}。"


def _claims(
    *,
    bank_applies: bool,
    bank: str,
    debtor: str,
    guarantor: str | None,
    total: Decimal,
    amounts: tuple[Decimal, Decimal, Decimal],
) -> str:
    if not bank_applies:
        return f"请求与{bank}协商分期还款方案，并减免部分利息及违约金。"
    principal, interest, penalty = amounts
    text = f"请求{debtor}偿还本金{_yuan(principal)}、利息{_yuan(interest)}、违约金{_yuan(penalty)}，合计{_yuan(total)}"
    if guarantor:
        text += f"；{guarantor}承担连带清偿责任"
    return text + "。"


def _agreement_note(total: Decimal, penalty: Decimal, months: int, *, bank_applies: bool) -> Callable[[], str]:
    debtor, bank = ("被申请人", "申请人") if bank_applies else ("申请人", "被申请人")
    pay = total - penalty
    monthly = (pay / months).quantize(Decimal("0.01"))

    def note() -> str:
        today = timezone.localdate()
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=20)
        if months == 1:
            return (
                f"双方达成调解协议：{debtor}于{_ymd(first)}前一次性偿还{_yuan(pay)}，{bank}免除违约金{_yuan(penalty)}。"
            )
        return (
            f"双方达成调解协议：{bank}免除违约金{_yuan(penalty)}；{debtor}自{_ym(first)}起分{months}期偿还"
            f"{_yuan(pay)}，每月20日前还款约{_yuan(monthly)}；任何一期逾期未还，{bank}可就全部未还款项申请强制执行。"
        )

    return note


def _judgment_note(total: Decimal) -> str:
    return f"判决被告于判决生效之日起十日内偿还原告借款本息合计{_yuan(total)}，案件受理费由被告负担。"


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with one line of ASCII text: the scanned authorisation's stand-in."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# Amounts --------------------------------------------------------------------------------------

_PRINCIPAL_RANGE: dict[str, tuple[int, int]] = {
    Product.CREDIT_CARD: (3_000, 60_000),
    Product.CONSUMER_LOAN: (10_000, 200_000),
    Product.BUSINESS_LOAN: (50_000, 800_000),
    Product.GUARANTEE: (50_000, 500_000),
    Product.MORTGAGE: (150_000, 900_000),
    Product.OTHER: (5_000, 80_000),
}
_COLOUR_RANGE: dict[str, tuple[int, int]] = {
    Colour.GREEN: (80_000, 600_000),
    Colour.YELLOW: (30_000, 300_000),
    Colour.RED: (30_000, 200_000),
}
_RATES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    # interest, penalty as shares of the principal
    Product.CREDIT_CARD: ((0.06, 0.22), (0.0, 0.06)),
    Product.CONSUMER_LOAN: ((0.04, 0.15), (0.0, 0.03)),
    Product.MORTGAGE: ((0.01, 0.05), (0.0, 0.01)),
}
_CENT = Decimal("0.01")


def _amounts(
    rng: random.Random, product: str, colour: str = "", *, between: tuple[int, int] | None = None
) -> tuple[Decimal, Decimal, Decimal]:
    lo, hi = between or _COLOUR_RANGE.get(colour) or _PRINCIPAL_RANGE[product]
    value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    if product == Product.CREDIT_CARD:
        principal = Decimal(str(value)).quantize(_CENT)
    else:
        principal = Decimal(round(value, -2)).quantize(_CENT)
    (i_lo, i_hi), (p_lo, p_hi) = _RATES.get(product, ((0.03, 0.12), (0.0, 0.03)))
    interest = (principal * Decimal(str(rng.uniform(i_lo, i_hi)))).quantize(_CENT)
    penalty = (principal * Decimal(str(rng.uniform(p_lo, p_hi)))).quantize(_CENT)
    return principal, interest, penalty


# The loader -----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seed: int
    history_from: dt.datetime
    seconds: float
    organisations: int
    users: int
    persons: int
    cases: int
    audit_entries: int
    states: dict[str, int]
    batch_case_ids: list[int]
    batch_closed_in_month: int
    batch_month: tuple[int, int]
    story_case_ids: dict[str, list[int]]
    authorisation_id: int


GENERAL_TARGETS: dict[str, int] = {
    CaseState.SUBMITTED: 9,
    CaseState.TRIAGED: 9,
    CaseState.MEDIATING: 18,
    CaseState.AGREEMENT: 8,
    CaseState.CONFIRMED: 8,
    CaseState.PERFORMING: 14,
    CaseState.FULFILLED: 22,
    CaseState.FAILED: 5,
    CaseState.FILED: 6,
    CaseState.TRIED: 5,
    CaseState.ENFORCING: 6,
    CaseState.CLOSED: 20,
    CaseState.WITHDRAWN: 9,
    CaseState.REJECTED: 5,
}
# How long a case may sit in its final state (days), so the open ones look current.
DWELL: dict[str, tuple[float, float]] = {
    CaseState.SUBMITTED: (0.02, 3),
    CaseState.TRIAGED: (0.2, 6),
    CaseState.MEDIATING: (0.5, 25),
    CaseState.AGREEMENT: (0.2, 6),
    CaseState.CONFIRMED: (0.1, 5),
    CaseState.PERFORMING: (3, 80),
    CaseState.FAILED: (0.5, 6),
    CaseState.FILED: (1, 30),
    CaseState.TRIED: (1, 20),
    CaseState.ENFORCING: (3, 60),
}
PRODUCT_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "psbc": ((Product.CREDIT_CARD, 45), (Product.CONSUMER_LOAN, 30), (Product.BUSINESS_LOAN, 25)),
    "rcb": (
        (Product.CREDIT_CARD, 20),
        (Product.CONSUMER_LOAN, 25),
        (Product.BUSINESS_LOAN, 45),
        (Product.GUARANTEE, 10),
    ),
    "ccb": (
        (Product.CREDIT_CARD, 50),
        (Product.CONSUMER_LOAN, 25),
        (Product.MORTGAGE, 15),
        (Product.BUSINESS_LOAN, 10),
    ),
    "cib": ((Product.CREDIT_CARD, 45), (Product.CONSUMER_LOAN, 40), (Product.BUSINESS_LOAN, 15)),
    "abc": (
        (Product.BUSINESS_LOAN, 45),
        (Product.CREDIT_CARD, 25),
        (Product.CONSUMER_LOAN, 15),
        (Product.MORTGAGE, 10),
        (Product.OTHER, 5),
    ),
}


class _Region:
    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now
        self.deadline = now - dt.timedelta(minutes=5)
        self.floor = now - dt.timedelta(days=HISTORY_DAYS)
        self.setup_at = _snap(self.floor - dt.timedelta(days=6), OFFICE, self.rng)
        self.citizens = CitizenFactory(random.Random(f"{seed}:citizens"))
        self.password_hash = make_password(DEMO_PASSWORD)
        self.timeline = _Timeline()
        self.plans: list[_Plan] = []
        self.orgs: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.api_clients: dict[str, ApiClient] = {}
        self.categories: dict[str, Category] = {}
        self.teams: dict[str, Team] = {}
        self.special: dict[str, Person] = {}
        self.pool: list[Person] = []
        self.debtors: list[tuple[Person, str]] = []
        self.party_users: dict[int, User] = {}
        self.authorisation: Authorisation | None = None
        self.batch_month = (0, 0)

    # Setup, at the start of the history ------------------------------------------------------

    def setup(self) -> None:
        a = DEMO_ACTOR
        rng = random.Random(f"{self.seed}:organisations")
        for key, kind, name, short, extra in ORGANISATIONS:
            fields = dict(extra)
            if "parent" in fields:
                fields["parent"] = self.orgs[fields["parent"]]
            if kind == OrganisationKind.INSTITUTION:
                fields["uscc"] = fake_uscc(rng)
                fields.setdefault("region", "福建省龙岩市")
            self.orgs[key] = organisation_create(actor=a, kind=kind, name=name, short_name=short, **fields)
        for username, role, org, full_name, _ in STAFF:
            self.users[username] = user_create(
                actor=a,
                username=username,
                password=None,
                password_hash=self.password_hash,
                role=role,
                organisation=self.orgs[org],
                full_name=full_name,
                phone=self.citizens.mobile(),
                email=f"{username}@demo.xietong.invalid",
            )
        for key, name in (("ccb", "建行诉调对接系统"), ("cib", "兴业银行诉调对接系统")):
            self.api_clients[key], _token = api_client_create(actor=a, organisation=self.orgs[key], name=name)
        for code, name, colour, order, description in CATEGORIES:
            self.categories[code] = category_ensure(
                actor=a, code=code, name=name, colour=colour, description=description, sort_order=order
            )
        for name, kind, members in TEAMS:
            self.teams[kind] = team_create(
                actor=a, court=self.orgs["xl"], name=name, kind=kind, members=[self.users[m] for m in members]
            )
        self._citizens()

    def _person(self, c: Citizen) -> Person:
        return person_create(actor=DEMO_ACTOR, name=c.name, id_number=c.id_number, phone=c.phone, addresses=c.addresses)

    def _citizens(self) -> None:
        f = self.citizens
        specials = {
            "huang_principal": f.citizen(region="350802", sex="M", name="黄德明", born_after=1958, born_before=1964),
            "huang_agent": f.citizen(region="350802", sex="M", name="黄德华", born_after=1966, born_before=1972),
            "abroad": f.overseas(
                country="ID",
                region="DKI Jakarta",
                line="Jl. Gajah Mada No. 118, Tamansari, Jakarta Barat",
                phone="+62 812-6618-3027",
                sex="M",
                name="王志强",
                born_after=1986,
                born_before=1994,
            ),
            "abroad_my": f.overseas(
                country="MY",
                region="Kuala Lumpur",
                line="No. 52, Jalan Petaling, 50000 Kuala Lumpur",
                phone="+60 12-338 7415",
                sex="F",
                surname="张",
            ),
            "abroad_sg": f.overseas(
                country="SG",
                region="Singapore",
                line="Blk 521 Jurong West Street 52, #08-115",
                phone="+65 9123 4567",
                sex="M",
                surname="赖",
            ),
            "villager": f.citizen(
                region="350802",
                sex="F",
                surname="林",
                born_after=1956,
                born_before=1968,
                town="小池镇",
                village="培斜村",
            ),
            "villager2": f.citizen(
                region="350802",
                sex="M",
                surname="邱",
                born_after=1970,
                born_before=1985,
                town="万安镇",
                village="溪口村",
            ),
        }
        for key, c in specials.items():
            self.special[key] = self._person(c)
        for _ in range(CITIZENS - len(specials)):
            self.pool.append(self._person(f.citizen()))
        self.rng.shuffle(self.pool)

    # People in cases -------------------------------------------------------------------------

    def _take(self, region: str | None = None) -> Person:
        for i in range(len(self.pool) - 1, -1, -1):
            if region is None or self.pool[i].id_number.startswith(region):
                return self.pool.pop(i)
        raise RuntimeError("the demo ran out of citizens")

    def _register(self, person: Person, username: str | None = None) -> User:
        """A citizen opens an account (when first filing online) and it is linked to their record."""
        user = self.party_users.get(person.pk)
        if user is not None:
            return user
        user = user_create(
            actor=SYSTEM,
            username=username or f"party{len(self.party_users) + 1:03d}",
            password=None,
            password_hash=self.password_hash if username else None,
            role=Role.PARTY,
            full_name=person.name,
            phone=person.phone,
        )
        person_link_account(actor=SYSTEM, person=person, user=user)
        self.party_users[person.pk] = user
        return user

    def _party(self, person: Person) -> Callable[[], User]:
        return lambda: self.party_users[person.pk]

    def _who(
        self,
        rng: random.Random,
        *,
        inst: str,
        channel: str,
        track: str,
        triager: Any = None,
        bank_applies: bool = True,
        party: Any = None,
        integrated: bool | None = None,
        mediator: str | None = None,
        judge: str | None = None,
    ) -> _Who:
        u = self.users
        if integrated is None:
            integrated = track == Track.FAST or channel == Channel.GROUP_RISK
        if integrated:
            clerk = u["clerk"]
            team = trial_team = self.teams[TeamKind.INTEGRATED]
            med = u[mediator or rng.choice(("mediator", "mediator5"))]
            confirm_judge = trial_judge = u[judge or "judge"]
        else:
            clerk = u[rng.choice(("clerk", "clerk", "clerk2"))]
            team, trial_team = self.teams[TeamKind.PRE_MEDIATION], self.teams[TeamKind.TRIAL]
            med = u[
                mediator
                or rng.choices(("mediator", "mediator2", "mediator3", "mediator4", "mediator6"), (2, 2, 2, 2, 1))[0]
            ]
            confirm_judge = u[judge or rng.choices(("judge", "judge2", "judge3"), (2, 1, 1))[0]]
            trial_judge = u[rng.choice(("judge2", "judge3"))]
        operator = u[inst]
        return _Who(
            triager=triager if triager is not None else clerk,
            clerk=clerk,
            filer=u[rng.choice(("clerk", "clerk3"))],
            mediator=med,
            judge=confirm_judge,
            trial_judge=trial_judge,
            fulfiller=operator if rng.random() < 0.8 else clerk,
            withdrawer=operator if bank_applies else (party or clerk),
            channel=channel,
            track=track,
            team=team,
            trial_team=trial_team,
        )

    # Paths through the workflow --------------------------------------------------------------

    def _path(
        self,
        target: str,
        who: _Who,
        rng: random.Random,
        *,
        amounts: tuple[Decimal, Decimal, Decimal],
        via: str = "",
        refuse: bool = False,
        months: int = 1,
        assign_when_triaged: bool = False,
        notes: dict[str, str] | None = None,
        bank_applies: bool = True,
    ) -> list[_Step]:
        S = CaseState
        notes = notes or {}
        steps: list[_Step] = []
        total = sum(amounts, Decimal(0))
        penalty = amounts[2]

        def add(code: str, actor: Any, lo: float, hi: float, note: Any = "", **kwargs: Any) -> None:
            steps.append(_Step(code, actor, (lo, hi), notes.get(code, note), kwargs, _hours_of(actor)))

        def intake(assign: bool = True) -> None:
            automatic = isinstance(who.triager, ActorRef)
            add("triage", who.triager, *((0.002, 0.02) if automatic else (0.05, 1.5)), rng.choice(TRIAGE_NOTES))
            add("classify", who.clerk, 0.002, 0.4, channel=who.channel, track=who.track, team=who.team)
            if assign:
                add("assign", who.clerk, 0.002, 1.0, mediator=who.mediator)

        def mediation() -> None:
            intake()
            add("start_mediation", who.mediator, 0.5, 4)

        def agreement() -> None:
            mediation()
            add(
                "reach_agreement",
                who.mediator,
                2,
                14,
                _agreement_note(total, penalty, months, bank_applies=bank_applies),
            )
            if refuse:
                add("refuse_confirmation", who.judge, 1, 3, REFUSE_NOTE)
                add(
                    "reach_agreement",
                    who.mediator,
                    2,
                    6,
                    _agreement_note(total, penalty, months, bank_applies=bank_applies),
                )

        def performing() -> None:
            agreement()
            add("confirm", who.judge, 0.5, 4, rng.choice(CONFIRM_NOTES))
            add("start_performance", SYSTEM, 0.001, 0.01)

        def fulfilled() -> None:
            performing()
            add("fulfil", who.fulfiller, *((1, 20) if months == 1 else (25, 75)), rng.choice(FULFIL_NOTES))

        def failed() -> None:
            mediation()
            add("fail_mediation", who.mediator, 5, 20, rng.choice(FAIL_NOTES))

        def tried() -> None:
            failed()
            add("file", who.filer, 0.5, 4, FILE_NOTE)
            if who.trial_team != who.team:
                add("team", who.filer, 0.001, 0.05, team=who.trial_team)
            add("try", who.trial_judge, 15, 40, _judgment_note(total))

        if target == S.SUBMITTED:
            pass
        elif target == S.TRIAGED:
            intake(assign=assign_when_triaged)
        elif target == S.MEDIATING:
            mediation()
        elif target == S.AGREEMENT:
            agreement()
        elif target == S.CONFIRMED:
            agreement()
            add("confirm", who.judge, 0.5, 4, rng.choice(CONFIRM_NOTES))
        elif target == S.PERFORMING:
            performing()
        elif target == S.FULFILLED:
            fulfilled()
        elif target == S.FAILED:
            failed()
        elif target == S.FILED:
            tried()
            steps.pop()  # not yet tried
        elif target == S.TRIED:
            tried()
        elif target in (S.ENFORCING, S.CLOSED):
            if via == "fulfilled":
                fulfilled()
            elif via == "performing":
                performing()
                add("enforce", who.clerk, 20, 60, rng.choice(ENFORCE_NOTES))
            else:
                tried()
                if target == S.ENFORCING or via == "enforcing":
                    add("enforce", who.clerk, 12, 30, rng.choice(ENFORCE_NOTES))
            if target == S.CLOSED:
                closer = who.clerk if via == "fulfilled" else who.trial_judge
                lo, hi = (20.0, 60.0) if via == "enforcing" else (0.5, 5.0)
                add("close", closer, lo, hi, CLOSE_NOTES[via or "tried"])
        elif target == S.WITHDRAWN:
            if via == "mediating":
                mediation()
            elif via == "triaged":
                intake(assign=False)
            by_bank = isinstance(who.withdrawer, User) and who.withdrawer.role == Role.INSTITUTION_OPERATOR
            add("withdraw", who.withdrawer, 1, 8, rng.choice(WITHDRAW_BANK_NOTES if by_bank else WITHDRAW_PARTY_NOTES))
        elif target == S.REJECTED:
            if via == "triaged":
                intake(assign=False)
            add("reject", who.clerk, 0.2, 3, rng.choice(REJECT_NOTES))
        else:  # pragma: no cover
            raise ValueError(target)
        return steps

    # Scheduling ------------------------------------------------------------------------------

    def _schedule(
        self,
        plan: _Plan,
        rng: random.Random,
        *,
        start: dt.datetime,
        floor: dt.datetime | None = None,
        deadline: dt.datetime | None = None,
        speed: float = 1.0,
    ) -> None:
        """Place the filing and each step in time (working hours for staff), ending by the deadline."""
        floor = floor or self.floor
        deadline = deadline or self.deadline
        start = max(start, floor)
        gaps = [rng.uniform(*s.gap) * speed for s in plan.steps]
        filing_kind = _hours_of(plan.filer)
        scale = 1.0
        for _ in range(100):
            filed = _snap(start, filing_kind, rng)
            t, times = filed, []
            for gap, step in zip(gaps, plan.steps, strict=True):
                t = _snap(t + dt.timedelta(days=gap * scale), step.hours, rng)
                times.append(t)
            last = times[-1] if times else filed
            if last <= deadline:
                break
            over = last - deadline + dt.timedelta(minutes=rng.uniform(10, 240))
            if start - over >= floor:
                start -= over
            else:
                start, scale = floor, scale * 0.7
        else:  # pragma: no cover
            raise RuntimeError(f"could not place the demo case {plan.key} in time")
        self.plans.append(plan)
        self.timeline.at(filed, partial(self._file, plan, filed))
        for when, step in zip(times, plan.steps, strict=True):
            self.timeline.at(when, partial(self._take_step, plan, step))

    def _start_for(self, rng: random.Random, target: str, steps: list[_Step], speed: float = 1.0) -> dt.datetime:
        busy = sum((s.gap[0] + s.gap[1]) / 2 for s in steps) * speed
        if target in DWELL:
            lo, hi = DWELL[target]
        else:  # ended: anywhere in the history
            lo, hi = 1.0, max(1.0, HISTORY_DAYS - 2 - busy)
        return self.deadline - dt.timedelta(days=busy + rng.uniform(lo, hi))

    def _file(self, plan: _Plan, filed: dt.datetime) -> None:
        if plan.before is not None:
            plan.before()
        case = case_create(actor=_resolve(plan.filer), door=plan.door, submitted_at=filed, **plan.build(filed))
        plan.ref.id = case.pk

    def _take_step(self, plan: _Plan, step: _Step) -> None:
        case_id = plan.ref.id
        assert case_id is not None
        actor = _resolve(step.actor)
        if step.code == "classify":
            # The clerk reviews the rules' triage with the parties' wishes and the dispute's focus.
            case = Case.objects.select_related("category").get(pk=case_id)
            case_triage_override(
                case=case_id,
                actor=actor,
                category=case.category,
                channel=step.kwargs["channel"],
                track=step.kwargs["track"],
                team=step.kwargs["team"],
                reason=CLASSIFY_REASON,
            )
        elif step.code == "team":
            case_assign_team(case=case_id, actor=actor, team=step.kwargs["team"])
        elif step.code == "assign":
            case_assign_mediator(case=case_id, actor=actor, mediator=step.kwargs["mediator"])
        else:
            note = step.note() if callable(step.note) else step.note
            handler = registry.demo_steps.get(step.code)
            if handler is not None:
                # The step goes through its own app's services (agreement signed, review recorded...).
                handler(case_id=case_id, actor=actor, note=note)
            else:
                case_transition(case=case_id, code=step.code, actor=actor, note=note)

    # One dispute -----------------------------------------------------------------------------

    def _category(self, rng: random.Random, product: str, inst: str) -> Category | None:
        c = self.categories
        if product == Product.CREDIT_CARD:
            return c["credit-card"]
        if product == Product.CONSUMER_LOAN:
            return c["consumer-loan"]
        if product in (Product.BUSINESS_LOAN, Product.GUARANTEE):
            coloured = 0.7 if inst in ("rcb", "abc") else 0.35
            if rng.random() < coloured:
                return c[rng.choices(("eco", "rural", "youth"), (3, 5, 4))[0]]
            return c["business-loan"]
        return None

    def _dispute(
        self,
        key: str,
        rng: random.Random,
        *,
        target: str,
        inst: str,
        product: str,
        debtor: Person,
        category: Category | None,
        door: str,
        filer: Any,
        bank_applies: bool = True,
        guarantor: Person | None = None,
        amounts: tuple[Decimal, Decimal, Decimal] | None = None,
        channel: str | None = None,
        triager: Any = None,
        station: Organisation | None = None,
        via: str = "",
        refuse: bool = False,
        months: int | None = None,
        agent: Person | None = None,
        authorisation: Callable[[], Authorisation | None] | None = None,
        facts_prefix: str = "",
        facts: str | None = None,
        tags: tuple[str, ...] = (),
        before: Callable[[], Any] | None = None,
        who_kwargs: dict[str, Any] | None = None,
        notes: dict[str, str] | None = None,
        assign_when_triaged: bool = False,
    ) -> _Plan:
        colour = category.colour if category else ""
        amounts = amounts or _amounts(rng, product, colour)
        total = sum(amounts, Decimal(0))
        track = Track.FAST if inst == "rcb" and total < FAST_TRACK_LIMIT else Track.NORMAL
        S = CaseState
        if channel is None:
            troubled = target in (S.FAILED, S.FILED, S.TRIED, S.ENFORCING) or via in (
                "tried",
                "enforcing",
                "performing",
            )
            if troubled:
                channel = Channel.HARD_TO_ENFORCE if rng.random() < 0.6 else Channel.MEDIABLE
            else:
                channel = Channel.HARD_TO_ENFORCE if rng.random() < 0.08 else Channel.MEDIABLE
        if months is None:
            if target == S.FULFILLED or via == "fulfilled":
                months = 1 if rng.random() < 0.75 else rng.randint(2, 3)
            else:
                months = rng.choice((1, 6, 12, 12, 18, 24, 36))
        party = filer if not bank_applies and door == Door.ONLINE else None
        who = self._who(
            rng,
            inst=inst,
            channel=channel,
            track=track,
            triager=triager,
            bank_applies=bank_applies,
            party=party,
            **(who_kwargs or {}),
        )
        steps = self._path(
            target,
            who,
            rng,
            amounts=amounts,
            via=via,
            refuse=refuse,
            months=months,
            notes=notes,
            assign_when_triaged=assign_when_triaged,
            bank_applies=bank_applies,
        )
        institution = self.orgs[inst]
        bank_name = institution.name
        debtor_role = PartyRole.RESPONDENT if bank_applies else PartyRole.APPLICANT
        persons = [PersonParty(person=debtor, role=debtor_role, agent=agent)]
        if guarantor is not None:
            persons.append(PersonParty(person=guarantor, role=PartyRole.RESPONDENT))

        def build(filed: dt.datetime) -> dict[str, Any]:
            auth = authorisation() if authorisation else None
            parties = (
                [PersonParty(p.person, p.role, p.agent, auth if p.agent else None) for p in persons]
                if auth
                else persons
            )
            text = facts or _facts(
                rng,
                product=product,
                colour=colour,
                bank=bank_name,
                debtor=("被申请人" if bank_applies else "申请人") + debtor.name,
                guarantor=guarantor.name if guarantor else None,
                amounts=amounts,
                filed=timezone.localtime(filed).date(),
            )
            return {
                "court": self.orgs["xl"],
                "institution": institution,
                "institution_role": PartyRole.APPLICANT if bank_applies else PartyRole.RESPONDENT,
                "product": product,
                "persons": parties,
                "principal": amounts[0],
                "interest": amounts[1],
                "penalty": amounts[2],
                "category": category,
                "station": station,
                "facts": facts_prefix + text,
                "claims": _claims(
                    bank_applies=bank_applies,
                    bank=institution.display_name,
                    debtor=debtor.name,
                    guarantor=guarantor.name if guarantor else None,
                    total=total,
                    amounts=amounts,
                ),
            }

        self.debtors.append((debtor, inst))
        return _Plan(key=key, filer=filer, door=door, build=build, steps=steps, tags=tags, before=before)

    # The general run of cases ----------------------------------------------------------------

    def general(self) -> None:
        S = CaseState
        targets = [state for state, n in GENERAL_TARGETS.items() for _ in range(n)]
        self.rng.shuffle(targets)
        vias: dict[str, tuple[tuple[str, int], ...]] = {
            S.CLOSED: (("fulfilled", 5), ("tried", 3), ("enforcing", 2)),
            S.ENFORCING: (("tried", 7), ("performing", 3)),
            S.WITHDRAWN: (("submitted", 3), ("triaged", 3), ("mediating", 4)),
            S.REJECTED: (("submitted", 1), ("triaged", 1)),
        }
        overseas = [self.special["abroad_my"], self.special["abroad_sg"]]
        refusals = 0
        for n, target in enumerate(targets):
            rng = random.Random(f"{self.seed}:general:{n}")
            bank_applies = rng.random() < 0.8
            at_station = not bank_applies and rng.random() < 0.15
            amounts: tuple[Decimal, Decimal, Decimal] | None = None
            product: str
            filer: Any
            if at_station:
                # Villagers' disputes: small loans with the rural banks.
                inst = rng.choice(("rcb", "rcb", "psbc", "abc"))
                product = rng.choice((Product.CONSUMER_LOAN, Product.BUSINESS_LOAN, Product.CREDIT_CARD))
                category = self._category(rng, product, inst)
                amounts = _amounts(rng, product, between=(5_000, 60_000))
            else:
                inst = rng.choices(INSTITUTIONS, (18, 32, 18, 14, 18))[0]
                mix = PRODUCT_MIX[inst]
                product = rng.choices([p for p, _ in mix], [w for _, w in mix])[0]
                category = self._category(rng, product, inst)
            station = None
            before = None
            if at_station:
                door, filer = Door.STATION, None
            elif bank_applies:
                if inst in self.api_clients and rng.random() < 0.6:
                    door, filer = Door.API, self.api_clients[inst]
                elif rng.random() < 0.4:
                    door, filer = Door.ONLINE, self.users[inst]
                else:
                    door, filer = Door.COUNTER, self.users[rng.choice(("clerk", "clerk3"))]
            else:
                door = rng.choices((Door.ONLINE, Door.COUNTER), (55, 45))[0]
                filer = None
            # The debtor: a new citizen, one of the two abroad, or someone already in debt elsewhere.
            reuse = [(p, i) for p, i in self.debtors if i != inst and p.pk not in self.party_users]
            if overseas and door != Door.STATION:
                debtor = overseas.pop()
            elif bank_applies and reuse and rng.random() < 0.08:
                debtor = rng.choice(reuse)[0]
            else:
                debtor = self._take("350802" if door == Door.STATION else None)
            if door == Door.STATION:
                station_key = rng.choice(("peixie", "peixie", "wanan"))
                station = self.orgs[station_key]
                filer = self.users["station" if station_key == "peixie" else "station2"]
            elif door == Door.ONLINE and not bank_applies:
                before = partial(self._register, debtor)
                filer = self._party(debtor)
            elif filer is None:
                filer = self.users[rng.choice(("clerk", "clerk3"))]
            guarantor = None
            if product in (Product.BUSINESS_LOAN, Product.GUARANTEE) and bank_applies and rng.random() < 0.4:
                guarantor = self._take()
            choices = vias.get(target)
            via = rng.choices([v for v, _ in choices], [w for _, w in choices])[0] if choices else ""
            refuse = target in (S.CONFIRMED, S.PERFORMING, S.FULFILLED) and refusals < 2 and rng.random() < 0.15
            refusals += refuse
            automatic = door == Door.API
            plan = self._dispute(
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
            speed = 0.3 if self._is_fast(plan) else 1.0
            self._schedule(plan, rng, start=self._start_for(rng, target, plan.steps, speed), speed=speed)

    @staticmethod
    def _is_fast(plan: _Plan) -> bool:
        return any(s.code == "classify" and s.kwargs["track"] == Track.FAST for s in plan.steps)

    # The stories -----------------------------------------------------------------------------

    def story_huang(self) -> None:
        """1. Mr Huang applies online for his seriously ill brother: three banks, three agreements."""
        rng = random.Random(f"{self.seed}:huang")
        principal, agent = self.special["huang_principal"], self.special["huang_agent"]
        first = _snap(self.deadline - dt.timedelta(days=rng.uniform(12, 16)), WAKING, rng)
        first = first.replace(hour=max(first.hour, 9))

        def register_and_authorise() -> None:
            user = self._register(agent, username="huang")
            today = timezone.localdate()
            self.authorisation = authorisation_create(
                actor=user,
                principal=principal,
                agent=agent,
                relationship=Relationship.SIBLING,
                reason=AuthorisationReason.ILLNESS,
                reason_detail=f"{principal.name}身患重病住院治疗，其妻患精神疾病，膝下无子女，"
                f"委托其弟{agent.name}代为办理信用卡逾期纠纷的调解事宜。",
                document=ContentFile(_tiny_pdf("Power of attorney - demo document"), name="authorisation.pdf"),
                valid_from=today,
                valid_until=today + dt.timedelta(days=365),
            )

        self.timeline.at(first - dt.timedelta(minutes=20), register_and_authorise)
        for k, inst in enumerate(("ccb", "cib", "abc")):
            bank = self.orgs[inst]
            amounts = _amounts(rng, Product.CREDIT_CARD, between=(8_000, 35_000))
            since = timezone.localtime(first).date() - dt.timedelta(days=rng.randint(1500, 3000))
            overdue = timezone.localtime(first).date() - dt.timedelta(days=rng.randint(120, 300))
            facts = (
                f"申请人{principal.name}于{_ym(since)}申领{bank.name}信用卡，自{_ym(overdue)}起未按期还款，"
                f"尚欠本金{_yuan(amounts[0])}、利息{_yuan(amounts[1])}、违约金{_yuan(amounts[2])}，银行尚未起诉。"
                f"申请人身患重病，其妻患精神疾病，二人无子女，由其弟{agent.name}受托代为申请调解；"
                f"{agent.name}表示愿协助筹款，请求减免违约金并分期还款，以免影响申请人夫妇今后的生活。"
            )
            plan = self._dispute(
                f"huang-{inst}",
                rng,
                target=CaseState.AGREEMENT,
                inst=inst,
                product=Product.CREDIT_CARD,
                debtor=principal,
                category=self.categories["credit-card"],
                door=Door.ONLINE,
                filer=self._party(agent),
                bank_applies=False,
                amounts=amounts,
                channel=Channel.MEDIABLE,
                agent=agent,
                authorisation=lambda: self.authorisation,
                months=rng.choice((12, 18, 24)),
                facts=facts,
                tags=("huang",),
                who_kwargs={"integrated": False, "mediator": "mediator", "judge": "judge"},
            )
            start = first + dt.timedelta(minutes=12 * k)
            self._schedule(plan, rng, start=start, floor=start)

    def story_batch(self) -> None:
        """2. The Postal Savings Bank's batch of 89 credit-card cases: 82 closed within the month."""
        rng = random.Random(f"{self.seed}:batch")
        tz = _local_tz()
        first_this = timezone.localtime(self.now).date().replace(day=1)
        first_prev = (first_this - dt.timedelta(days=1)).replace(day=1)
        day = first_prev
        while not _is_workday(day):
            day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(9, 30), tzinfo=tz)
        month_end = dt.datetime.combine(first_this, dt.time(0, 0), tzinfo=tz) - dt.timedelta(hours=2)
        self.batch_month = (first_prev.year, first_prev.month)
        S = CaseState
        targets = [S.FULFILLED] * 50 + [S.CLOSED] * (BATCH_CLOSED - 50)
        targets += [S.PERFORMING] * 3 + [S.FILED] * 2 + [S.TRIED] + [S.MEDIATING]
        assert len(targets) == BATCH_SIZE
        rng.shuffle(targets)
        bank = self.orgs["psbc"]
        for i, target in enumerate(targets, start=1):
            closing = target in (S.FULFILLED, S.CLOSED)
            months = 1 if closing else rng.choice((6, 12))
            plan = self._dispute(
                f"batch-{i}",
                rng,
                target=target,
                inst="psbc",
                product=Product.CREDIT_CARD,
                debtor=self._take(),
                category=self.categories["credit-card"],
                door=Door.BATCH,
                filer=self.users["psbc"],
                amounts=_amounts(rng, Product.CREDIT_CARD, between=(2_000, 45_000)),
                triager=SYSTEM,
                via="fulfilled" if target == S.CLOSED else "",
                months=months,
                facts_prefix=batch_marker(*self.batch_month, bank.display_name) + f"第{i}件。",
                tags=("batch",),
                who_kwargs={"integrated": False},
            )
            filed = start + dt.timedelta(seconds=7 * i)
            self._schedule(
                plan,
                rng,
                start=filed,
                floor=filed,
                deadline=month_end if closing else None,
                speed=0.6 if closing else 1.0,
            )

    def story_abroad(self) -> None:
        """3. A debtor working in Indonesia, mediated online up to judicial confirmation."""
        rng = random.Random(f"{self.seed}:abroad")
        wang = self.special["abroad"]
        start = self.deadline - dt.timedelta(days=rng.uniform(24, 30))
        amounts = _amounts(rng, Product.CREDIT_CARD, between=(25_000, 45_000))
        filed = timezone.localtime(start).date()
        facts = (
            f"申请人{wang.name}于{_ym(filed - dt.timedelta(days=2400))}申领建设银行信用卡，出国务工前透支消费，"
            f"自{_ym(filed - dt.timedelta(days=700))}起未按期还款，尚欠本金{_yuan(amounts[0])}、"
            f"利息{_yuan(amounts[1])}、违约金{_yuan(amounts[2])}。申请人现在印度尼西亚雅加达务工，表示欠款一定还清，"
            f"请求给予更宽裕的还款期限，分期偿还，并通过线上方式调解。"
        )
        plan = self._dispute(
            "abroad",
            rng,
            target=CaseState.CONFIRMED,
            inst="ccb",
            product=Product.CREDIT_CARD,
            debtor=wang,
            category=self.categories["credit-card"],
            door=Door.ONLINE,
            filer=self._party(wang),
            bank_applies=False,
            amounts=amounts,
            channel=Channel.MEDIABLE,
            months=24,
            facts=facts,
            tags=("abroad",),
            before=lambda: self._register(wang, username="wang"),
            who_kwargs={"integrated": True, "mediator": "mediator", "judge": "judge"},
            notes={
                "start_mediation": "经申请人同意，通过平台视频调解室在线调解（申请人身在印度尼西亚雅加达）。",
                "confirm": "通过在线视频询问双方当事人，确认调解协议系双方真实意思表示，予以司法确认。",
            },
        )
        self._schedule(plan, rng, start=start, floor=start - dt.timedelta(days=5))

    def story_colours(self) -> None:
        """4. Green, yellow and red disputes in their channels, and a fast-track small claim closed in days."""
        S = CaseState
        c = self.categories
        showcase: list[tuple[str, str, str, Category, str, str, tuple[int, int], str]] = [
            ("green", "abc", Product.BUSINESS_LOAN, c["eco"], S.MEDIATING, Channel.MEDIABLE, (200_000, 400_000), ""),
            (
                "yellow",
                "rcb",
                Product.BUSINESS_LOAN,
                c["rural"],
                S.FAILED,
                Channel.HARD_TO_ENFORCE,
                (60_000, 85_000),
                "",
            ),
            (
                "red",
                "rcb",
                Product.BUSINESS_LOAN,
                c["youth"],
                S.TRIAGED,
                Channel.GROUP_RISK,
                (150_000, 200_000),
                "同一创业园区另有多名创业青年的同类贷款集中逾期，存在群体性风险。",
            ),
        ]
        for key, inst, product, category, target, channel, between, extra in showcase:
            rng = random.Random(f"{self.seed}:colour:{key}")
            plan = self._dispute(
                f"colour-{key}",
                rng,
                target=target,
                inst=inst,
                product=product,
                debtor=self._take(),
                category=category,
                door=Door.COUNTER,
                filer=self.users["clerk"],
                guarantor=self._take() if key != "red" else None,
                amounts=_amounts(rng, product, between=between),
                channel=channel,
                tags=("colours",),
                notes={"fail_mediation": "被申请人的生猪养殖场受洪灾损毁，暂无还款能力，双方未能达成一致。"}
                if key == "yellow"
                else None,
            )
            if extra:
                inner = plan.build

                def build(
                    filed: dt.datetime, inner: Callable[[dt.datetime], dict[str, Any]] = inner, extra: str = extra
                ) -> dict[str, Any]:
                    kwargs = inner(filed)
                    kwargs["facts"] += extra
                    return kwargs

                plan.build = build
            speed = 0.3 if self._is_fast(plan) else 1.0
            self._schedule(plan, rng, start=self._start_for(rng, target, plan.steps, speed), speed=speed)

        rng = random.Random(f"{self.seed}:fast")
        plan = self._dispute(
            "fast-track",
            rng,
            target=S.CLOSED,
            via="fulfilled",
            inst="rcb",
            product=Product.CONSUMER_LOAN,
            debtor=self._take(),
            category=c["consumer-loan"],
            door=Door.ONLINE,
            filer=self.users["rcb"],
            amounts=_amounts(rng, Product.CONSUMER_LOAN, between=(22_000, 30_000)),
            channel=Channel.MEDIABLE,
            months=1,
            tags=("fast_track",),
            who_kwargs={"mediator": "mediator", "judge": "judge"},
        )
        # Filed on a Monday morning, closed within the week.
        day = timezone.localtime(self.deadline - dt.timedelta(days=rng.uniform(18, 24))).date()
        while day.weekday() != 0 or not _is_workday(day):
            day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(9, 10), tzinfo=_local_tz())
        self._schedule(plan, rng, start=start, floor=start, speed=0.08)

    def story_cluster(self) -> None:
        """6. Twelve similar disputes against one bank's consumer loans in the last two weeks."""
        rng = random.Random(f"{self.seed}:cluster")
        bank = self.orgs["cib"]
        floor = self.deadline - dt.timedelta(days=14)
        starts = sorted(self.deadline - dt.timedelta(days=rng.uniform(0.3, 13.5)) for _ in range(12))
        S = CaseState
        targets = [S.MEDIATING] * 4 + [S.TRIAGED] * 4 + [S.SUBMITTED] * 4
        for n, (start, target) in enumerate(zip(starts, targets, strict=True)):
            debtor = self._take()
            online = rng.random() < 0.7
            amounts = _amounts(rng, Product.CONSUMER_LOAN, between=(40_000, 120_000))
            fee = (amounts[0] * Decimal(str(rng.uniform(0.08, 0.15)))).quantize(Decimal("1"))
            took = timezone.localtime(start).date() - dt.timedelta(days=rng.randint(200, 420))
            facts = (
                f"申请人{debtor.name}经某贷款中介公司业务员推介，于{_ym(took)}通过{bank.name}办理个人消费贷款"
                f"{_yuan(amounts[0])}，放款后被中介以“服务费”名义收取{fee}元；现无力按期还款，"
                f"尚欠利息{_yuan(amounts[1])}、违约金{_yuan(amounts[2])}，认为贷款实际成本远高于合同约定。"
            )
            plan = self._dispute(
                f"cluster-{n}",
                rng,
                target=target,
                inst="cib",
                product=Product.CONSUMER_LOAN,
                debtor=debtor,
                category=self.categories["consumer-loan"],
                door=Door.ONLINE if online else Door.COUNTER,
                filer=self._party(debtor) if online else self.users["clerk"],
                bank_applies=False,
                amounts=amounts,
                channel=Channel.GROUP_RISK,
                facts=facts,
                tags=("cluster",),
                before=partial(self._register, debtor) if online else None,
                assign_when_triaged=n % 2 == 0,
            )
            self._schedule(plan, rng, start=start, floor=floor)

    def story_stations(self) -> None:
        """7. Rural stations file for villagers."""
        S = CaseState
        for key, person, station, agent, target, product, category, between, days in (
            (
                "station",
                "villager",
                "peixie",
                "station",
                S.MEDIATING,
                Product.BUSINESS_LOAN,
                "rural",
                (40_000, 50_000),
                (6, 9),
            ),
            (
                "station-2",
                "villager2",
                "wanan",
                "station2",
                S.FULFILLED,
                Product.CONSUMER_LOAN,
                "consumer-loan",
                (15_000, 30_000),
                (30, 60),
            ),
        ):
            rng = random.Random(f"{self.seed}:{key}")
            villager = self.special[person]
            amounts = _amounts(rng, product, between=between)
            org = self.orgs[station]
            took = timezone.localtime(self.deadline).date() - dt.timedelta(days=rng.randint(700, 1100))
            if product == Product.BUSINESS_LOAN:
                facts = (
                    f"申请人{villager.name}系小池镇培斜村村民，于{_ym(took)}向福建龙岩农村商业银行股份有限公司申请农户"
                    f"小额信用贷款{_yuan(amounts[0])}用于种植竹荪，因行情下跌未能按期还款，尚欠利息{_yuan(amounts[1])}、"
                    f"违约金{_yuan(amounts[2])}。经{org.display_name}代为提交调解申请，请求协商延期并分期还款。"
                )
            else:
                facts = (
                    f"申请人{villager.name}系万安镇村民，于{_ym(took)}向福建龙岩农村商业银行股份有限公司借款用于购买农机，"
                    f"尚欠本金{_yuan(amounts[0])}。经{org.display_name}代为提交调解申请，请求协商减免违约金后一次性还清。"
                )
            plan = self._dispute(
                key,
                rng,
                target=target,
                inst="rcb",
                product=product,
                debtor=villager,
                category=self.categories[category],
                door=Door.STATION,
                filer=self.users[agent],
                bank_applies=False,
                station=org,
                amounts=amounts,
                channel=Channel.MEDIABLE,
                months=1 if target == S.FULFILLED else 12,
                facts=facts,
                tags=("station",),
                who_kwargs={"mediator": "mediator"},
            )
            start = self.deadline - dt.timedelta(days=rng.uniform(*days))
            self._schedule(plan, rng, start=start, speed=0.3 if self._is_fast(plan) else 1.0)

    # Putting it together ---------------------------------------------------------------------

    def plan(self) -> None:
        self.general()
        self.story_huang()
        self.story_batch()
        self.story_abroad()
        self.story_colours()
        self.story_cluster()
        self.story_stations()

    def result(self, seconds: float) -> LoadResult:
        stories: dict[str, list[int]] = {}
        for plan in self.plans:
            for tag in plan.tags:
                assert plan.ref.id is not None
                stories.setdefault(tag, []).append(plan.ref.id)
        batch = stories.get("batch", [])
        month_start = dt.date(*self.batch_month, 1)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        month_end = dt.datetime.combine(next_month, dt.time(0, 0), tzinfo=_local_tz())
        closed = Case.objects.filter(
            pk__in=batch, state__in=[CaseState.FULFILLED, CaseState.CLOSED], closed_at__lt=month_end
        ).count()
        states = Counter(Case.objects.values_list("state", flat=True))
        assert self.authorisation is not None
        return LoadResult(
            seed=self.seed,
            history_from=self.setup_at,
            seconds=seconds,
            organisations=Organisation.objects.count(),
            users=User.objects.count(),
            persons=Person.objects.count(),
            cases=Case.objects.count(),
            audit_entries=AuditEntry.objects.count(),
            states={s.value: states.get(s.value, 0) for s in CaseState},
            batch_case_ids=batch,
            batch_closed_in_month=closed,
            batch_month=self.batch_month,
            story_case_ids=stories,
            authorisation_id=self.authorisation.pk,
        )


def batch_marker(year: int, month: int, bank: str) -> str:
    """The words that open the facts of every case of the demo's batch, so they can be found again."""
    return f"{year}年{month}月批量委托（{bank}信用卡逾期，共{BATCH_SIZE}件）"


def region_is_loaded() -> bool:
    return Organisation.objects.exists()


# Other apps' demo data, added after the region's history (each `seed(*, actor)`), in this order.
# The steps other apps take through their own services are their registered demo steps
# (cases.registry.registry.demo_steps).
DEMO_EXTENSIONS: list[Callable[..., Any]] = [
    triage_demo.seed,
    lookup_demo.seed,
    intake_demo.seed,
    outreach_demo.seed,
    batches_demo.seed,
    mediation_demo.seed,
    service_demo.seed,
    risk_demo.seed,
    repayment_demo.seed,
]


def load_region(*, seed: int = DEFAULT_SEED) -> LoadResult | None:
    """Load the demo region into an empty database, all or nothing. Returns None if it holds organisations."""
    started = time.monotonic()
    with transaction.atomic():
        if region_is_loaded():
            return None
        region = _Region(seed=seed, now=timezone.now())
        with SimulatedClock() as clock:
            clock.set(region.setup_at)
            region.setup()
            region.plan()
            region.timeline.run(clock)
            clock.release()
        for extension in DEMO_EXTENSIONS:
            extension(actor=DEMO_ACTOR)
        result = region.result(seconds=time.monotonic() - started)
        audit_record(
            actor=DEMO_ACTOR,
            action=AuditAction.DEMO_LOAD,
            object_type="demo.region",
            object_id=seed,
            object_repr="龙岩 demo region",
            after={
                "seed": seed,
                "history_from": result.history_from,
                "note": "the entries before this one replay a simulated history at the times it is set in",
                "organisations": result.organisations,
                "users": result.users,
                "persons": result.persons,
                "cases": result.cases,
                "states": result.states,
            },
        )
        result.audit_entries += 1
        result.seconds = time.monotonic() - started
    return result

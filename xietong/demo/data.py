"""The demo region's data: organisations, staff, teams, categories, the demo logins, the run of cases
(targets per state, product mixes, dwell times), the notes people write and the amounts drawn.

Nothing here writes: the replay engine (`engine.py`) and the stories (`stories/`) use it.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.functional import Promise

from xietong.accounts.choices import CourtLevel, OrganisationKind, Role
from xietong.audit.services import ActorRef
from xietong.cases.choices import CaseState, Colour, Product, TeamKind

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


# Story 5's division head, who signs judicial suggestions off (created by xietong/suggestions/demo.py).
DIVISION_HEAD = ("head", "温振华", "新罗区法院 · 金融审判庭庭长（签发司法建议）")
PARTY_LOGINS = [
    DemoLogin("huang", Role.PARTY.label, "黄德华，为重病的哥哥代办"),
    DemoLogin("wang", Role.PARTY.label, "王志强，在印度尼西亚务工"),
    # The two citizens who registered with their phone numbers and applied online (xietong/intake/demo.py).
    DemoLogin("13905970111", Role.PARTY.label, "周春梅，自行注册并在线申请（两家银行）"),
    DemoLogin("13905970122", Role.PARTY.label, "吴建国，自行注册并在线申请"),
]


def _demo_logins() -> list[DemoLogin]:
    """The logins the login page lists in demo mode (they all share DEMO_PASSWORD): the staff with a description (the others are background colleagues), the division head beside the
    judge, then the parties."""
    logins = []
    for username, role, _org, _name, description in STAFF:
        if description is not None:
            logins.append(DemoLogin(username, Role(role).label, description))
        if username == "judge":
            logins.append(DemoLogin(DIVISION_HEAD[0], Role.JUDGE.label, DIVISION_HEAD[2]))
    return logins + PARTY_LOGINS


DEMO_LOGINS: list[DemoLogin] = _demo_logins()

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


# Amounts --------------------------------------------------------------------------------------

PRINCIPAL_RANGE: dict[str, tuple[int, int]] = {
    Product.CREDIT_CARD: (3_000, 60_000),
    Product.CONSUMER_LOAN: (10_000, 200_000),
    Product.BUSINESS_LOAN: (50_000, 800_000),
    Product.GUARANTEE: (50_000, 500_000),
    Product.MORTGAGE: (150_000, 900_000),
    Product.OTHER: (5_000, 80_000),
}
COLOUR_RANGE: dict[str, tuple[int, int]] = {
    Colour.GREEN: (80_000, 600_000),
    Colour.YELLOW: (30_000, 300_000),
    Colour.RED: (30_000, 200_000),
}
RATES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    # interest, penalty as shares of the principal
    Product.CREDIT_CARD: ((0.06, 0.22), (0.0, 0.06)),
    Product.CONSUMER_LOAN: ((0.04, 0.15), (0.0, 0.03)),
    Product.MORTGAGE: ((0.01, 0.05), (0.0, 0.01)),
}
CENT = Decimal("0.01")


def amounts_for(
    rng: random.Random, product: str, colour: str = "", *, between: tuple[int, int] | None = None
) -> tuple[Decimal, Decimal, Decimal]:
    lo, hi = between or COLOUR_RANGE.get(colour) or PRINCIPAL_RANGE[product]
    value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    if product == Product.CREDIT_CARD:
        principal = Decimal(str(value)).quantize(CENT)
    else:
        principal = Decimal(round(value, -2)).quantize(CENT)
    (i_lo, i_hi), (p_lo, p_hi) = RATES.get(product, ((0.03, 0.12), (0.0, 0.03)))
    interest = (principal * Decimal(str(rng.uniform(i_lo, i_hi)))).quantize(CENT)
    penalty = (principal * Decimal(str(rng.uniform(p_lo, p_hi)))).quantize(CENT)
    return principal, interest, penalty


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

"""Demo data of this app, loaded by `load_demo` after the region (see xietong/demo/region.py).

Story 7: the rural stations publish a legal-education article and a risk alert, the center one more."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User

from .choices import ArticleKind
from .services import article_create

STATION_ARTICLES = [
    (
        ArticleKind.LEGAL_EDUCATION,
        "信用卡逾期了怎么办？",
        "逾期不可怕，别躲、别拖，先和银行沟通，也可以到惠农e站申请免费调解。",
        "信用卡逾期以后，银行会先通过电话、短信提醒还款。请不要关机、换号或者躲起来，"
        "主动联系银行说明情况，往往可以商量出分期或减免部分违约金的办法。\n\n"
        "如果和银行谈不拢，可以到村里的惠农e站，由代办员帮您向普惠金融司法协同中心申请调解。"
        "调解不收费，达成的协议还可以申请法院司法确认，和判决一样有效。\n\n"
        "记住：按时还款、保留好还款凭证；收到法院的短信或文书，一定要认真看、按时回应。",
    ),
    (
        ArticleKind.RISK_ALERT,
        "警惕“征信修复”骗局",
        "任何声称收费“洗白征信”“删除逾期记录”的都是骗局。",
        "近来有人打着“征信修复”“信用洗白”的旗号，收取几千元“服务费”，承诺删除逾期记录。"
        "这些都是骗局：真实发生的逾期记录，任何机构和个人都无权删除。\n\n"
        "如果您的征信记录确有错误，可以免费向中国人民银行征信中心或放款机构提出异议申请。\n\n"
        "遇到类似情况，请不要转账，不要提供身份证、银行卡和验证码，并及时向当地公安机关报案。",
    ),
]
CENTER_ARTICLE = (
    ArticleKind.LEGAL_EDUCATION,
    "什么是诉前调解？",
    "金融纠纷先调解：不收费、速度快，协议可申请司法确认。",
    "诉前调解是在起诉之前，由调解员组织双方协商解决纠纷。普惠金融司法协同中心的调解不收取费用，"
    "一般在三十天内办结。\n\n"
    "调解成功后，双方可以共同申请法院司法确认。经过确认的调解协议具有强制执行力。\n\n"
    "调解不成的，中心会引导依法立案，之前的材料不用重复提交。",
)


def _agent(station: Organisation) -> User | None:
    return User.objects.filter(role=Role.STATION_AGENT, organisation=station, is_active=True).order_by("pk").first()


def seed(*, actor: Any) -> None:
    """Add this app's demo data: one published article per demo station (two), one by the center."""
    stations = list(Organisation.objects.filter(kind=OrganisationKind.STATION).order_by("pk"))
    authors = [a for a in (_agent(s) for s in stations) if a is not None]
    for author, (kind, title, summary, body) in zip(authors, STATION_ARTICLES, strict=False):
        article_create(actor=actor, author=author, kind=kind, title=title, summary=summary, body=body, publish=True)
    admin = (
        User.objects.filter(role=Role.CENTER_ADMIN, is_active=True, organisation__isnull=False).order_by("pk").first()
    )
    if admin is not None:
        kind, title, summary, body = CENTER_ARTICLE
        article_create(actor=actor, author=admin, kind=kind, title=title, summary=summary, body=body, publish=True)

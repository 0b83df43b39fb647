"""The columns of a batch file: the template's fields, their Chinese headers and what each accepts."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from xietong.cases.choices import Product


@dataclass(frozen=True)
class Field:
    key: str
    header: str  # the template's Chinese header: the file's language, not the interface's
    label_en: str  # English source text, translated when shown
    required: bool
    note: str  # shown in the template's notes sheet (Chinese, like the headers)

    @property
    def label(self) -> str:
        return gettext(self.label_en)


FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", _("Name"), True, "借款人姓名，必填。"),
    Field("id_number", "身份证号", _("ID number"), True, "18位居民身份证号，末位可为X；请将该列设为文本格式。"),
    Field("phone", "手机号", _("Phone"), True, "大陆手机号11位；境外号码请加国家代码，如 +62 812 3456 7890。"),
    Field(
        "contract_number", "卡号或合同号", _("Card or contract number"), True, "信用卡号或借款合同号，必填，文本格式。"
    ),
    Field("product", "产品", _("Product"), True, "从下拉列表选择：信用卡、消费贷款、经营贷款、抵押贷款、担保、其他。"),
    Field("principal", "本金（元）", _("Principal (yuan)"), True, "逾期本金，单位元，最多两位小数，不得为负数。"),
    Field("interest", "利息（元）", _("Interest (yuan)"), False, "逾期利息，单位元；空白视为0。"),
    Field("penalty", "罚息（元）", _("Penalty (yuan)"), False, "罚息或违约金，单位元；空白视为0。"),
    Field("overdue_since", "逾期起始日", _("Overdue since"), True, "日期，如 2026-03-01、2026/3/1 或 2026年3月1日。"),
    Field("overdue_days", "逾期天数", _("Days overdue"), False, "非负整数；空白时按逾期起始日计算。"),
    Field("address", "住址", _("Address"), False, "户籍或常住地址。"),
    Field("service_address", "送达地址", _("Service address"), False, "送达地址确认书中确认的地址。"),
    Field("service_phone", "送达电话", _("Service phone"), False, "送达地址确认书中确认的电话。"),
    Field("service_email", "送达邮箱", _("Service e-mail"), False, "接收电子送达的电子邮箱。"),
    Field(
        "consent_e_service", "同意电子送达", _("Consents to electronic service"), False, "填“是”或“否”；空白视为否。"
    ),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
REQUIRED = tuple(f.key for f in FIELDS if f.required)
# Fields a file may lack when the value is the same for every row, given once for the whole file at mapping
# (a credit-card department's export has no product column: every row is a credit card).
WHOLE_FILE = ("product",)
AMOUNT_FIELDS = ("principal", "interest", "penalty")

# The product column accepts the Chinese label, the English label or the code.
PRODUCT_ALIASES: dict[str, str] = {
    "信用卡": Product.CREDIT_CARD,
    "贷记卡": Product.CREDIT_CARD,
    "消费贷款": Product.CONSUMER_LOAN,
    "消费贷": Product.CONSUMER_LOAN,
    "个人消费贷款": Product.CONSUMER_LOAN,
    "经营贷款": Product.BUSINESS_LOAN,
    "经营贷": Product.BUSINESS_LOAN,
    "个人经营贷款": Product.BUSINESS_LOAN,
    "抵押贷款": Product.MORTGAGE,
    "住房贷款": Product.MORTGAGE,
    "房贷": Product.MORTGAGE,
    "按揭贷款": Product.MORTGAGE,
    "担保": Product.GUARANTEE,
    "其他": Product.OTHER,
    "其它": Product.OTHER,
    "credit card": Product.CREDIT_CARD,
    "consumer loan": Product.CONSUMER_LOAN,
    "business loan": Product.BUSINESS_LOAN,
    "mortgage": Product.MORTGAGE,
    "guarantee": Product.GUARANTEE,
    "other": Product.OTHER,
    **{code: code for code in Product.values},
}
PRODUCT_CHOICES_ZH = ("信用卡", "消费贷款", "经营贷款", "抵押贷款", "担保", "其他")

# The template's example row: recognised when it is left in an upload.
EXAMPLE_CONTRACT = "示例-0001"
EXAMPLE_ROW: dict[str, object] = {
    "name": "示例（请删除本行）",
    "id_number": "110101199003071233",
    "phone": "13800138000",
    "contract_number": EXAMPLE_CONTRACT,
    "product": "信用卡",
    "principal": 12000.00,
    "interest": 800.50,
    "penalty": 199.50,
    "overdue_since": "2026-03-01",
    "overdue_days": 30,
    "address": "福建省龙岩市新罗区九一北路1号",
    "service_address": "福建省龙岩市新罗区九一北路1号",
    "service_phone": "13800138000",
    "service_email": "example@example.com",
    "consent_e_service": "是",
}


def header_key(text: str) -> str:
    """A header as compared: no spaces, marks of required fields or case; full-width brackets as half-width."""
    t = str(text or "").strip().lower().replace(" ", "").replace("\u3000", "").strip("*＊")
    return t.replace("(", "（").replace(")", "）")


# Headers recognised without a mapping: the template's, with or without the unit, the English label, the key.
KNOWN_HEADERS: dict[str, str] = {}
for _f in FIELDS:
    KNOWN_HEADERS[header_key(_f.header)] = _f.key
    KNOWN_HEADERS[header_key(_f.header.split("（")[0])] = _f.key
    KNOWN_HEADERS[header_key(_f.key)] = _f.key
    KNOWN_HEADERS[header_key(_f.label_en)] = _f.key

"""The risk notice (风险提示函): a warning's counts, method and advice, as PDF and DOCX. No personal data."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xietong.documents.render import DocxBlock, chinese_date, render_docx, render_pdf

from .models import RiskWarning
from .selectors import warning_detail

ISSUER = "普惠金融司法协同中心"


def notice_context(warning: RiskWarning, actor: Any) -> dict[str, Any]:
    d = warning_detail(warning, actor)
    weeks = []
    series = d["series"]
    for end in range(len(series), 0, -7):
        chunk = series[max(0, end - 7) : end]
        weeks.append(
            {
                "first": chunk[0]["day"],
                "last": chunk[-1]["day"],
                "cases": sum(p["cases"] for p in chunk),
                "claimants": sum(p["claimants"] for p in chunk),
            }
        )
    addressee = (
        warning.institution.name if warning.institution else (warning.escalated_to.name if warning.escalated_to else "")
    )
    return {
        "d": d,
        "weeks": list(reversed(weeks)),
        "addressee": addressee or "有关监管部门",
        "issuer": ISSUER,
        "issued_on": timezone.localdate(),
        "number": f"风险提示〔{timezone.localdate():%Y}〕{warning.pk}号",
        "is_lead": warning.kind == "lead",
    }


def notice_pdf(warning: RiskWarning, actor: Any) -> bytes:
    return render_pdf("risk/notice.html", notice_context(warning, actor))


def notice_docx(warning: RiskWarning, actor: Any) -> bytes:
    c = notice_context(warning, actor)
    d = c["d"]
    blocks = [
        DocxBlock("title", "风险提示函"),
        DocxBlock("paragraph", c["number"]),
        DocxBlock("paragraph", f"{c['addressee']}："),
        DocxBlock(
            "paragraph",
            f"本中心在对受理的金融纠纷进行日常统计监测时发现，{d['dimension_label']}“{d['stratum']}”"
            f"的新增纠纷出现异常：{d['why']}",
        ),
        DocxBlock("heading", "一、监测数据"),
        DocxBlock(
            "table",
            rows=[["时段", "新增纠纷（件）", "申请人（人）"]]
            + [[f"{w['first']}至{w['last']}", str(w["cases"]), str(w["claimants"])] for w in c["weeks"]],
        ),
        DocxBlock("heading", "二、监测方法"),
        DocxBlock(
            "paragraph",
            f"{d['detector_label']}：观测值 {d['observed']}，预期 {d['baseline']:.2f}，阈值 {d['threshold']:.0f}。",
        ),
        DocxBlock("heading", "三、提示事项"),
        DocxBlock("paragraph", ADVICE_LEAD if c["is_lead"] else ADVICE_SIGNAL),
        DocxBlock("signature", f"{c['issuer']}\n{chinese_date(c['issued_on'])}"),
    ]
    return render_docx(blocks)


ADVICE_SIGNAL = (
    "请贵单位关注上述纠纷的成因，核查相关产品、营销与催收环节是否存在问题，必要时采取措施化解风险，"
    "并将核查情况反馈本中心。本函依据统计监测结果出具，不构成对任何单位或个人的认定。"
)
ADVICE_LEAD = (
    "上述情况系多名申请人指向同一非持牌主体形成的线索，请依职责予以核实。本函仅为线索提示，"
    "不构成对被申请人或任何人的认定或标签。"
)

"""The 司法建议书 as PDF (WeasyPrint, Noto CJK embedded) and DOCX, from xietong.documents."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xietong.documents.render import DocxBlock, chinese_date, render_docx, render_pdf

from .models import Suggestion

CN_NUMERALS = "一二三四五六七八九十"


def _context(s: Suggestion) -> dict[str, Any]:
    return {
        "s": s,
        "court": s.court.name,
        "addressee": s.institution.name,
        "copies": [o.name for o in s.copies_to.all()],
        "recommendations": [
            (CN_NUMERALS[i] if i < len(CN_NUMERALS) else str(i + 1), text) for i, text in enumerate(s.recommendations)
        ],
    }


def suggestion_pdf(s: Suggestion) -> bytes:
    return render_pdf("suggestions/suggestion_pdf.html", _context(s))


def suggestion_docx(s: Suggestion) -> bytes:
    ctx = _context(s)
    blocks = [
        DocxBlock("title", ctx["court"]),
        DocxBlock("title", "司法建议书"),
        DocxBlock("signature", s.number or "（草稿）"),
        DocxBlock("paragraph", f"{ctx['addressee']}："),
        DocxBlock(
            "paragraph",
            "本院在审理和调解涉及你单位的金融纠纷案件中"
            + (f"（经统计，涉及案件{s.source_case_count}件）" if s.source_case_count else "")
            + "，发现以下问题：",
        ),
        DocxBlock("heading", "一、发现的问题"),
        DocxBlock("paragraph", s.problems),
    ]
    if s.causes:
        blocks += [DocxBlock("heading", "二、原因分析"), DocxBlock("paragraph", s.causes)]
    blocks.append(DocxBlock("heading", "司法建议"))
    blocks += [DocxBlock("paragraph", f"{n}、{text}") for n, text in ctx["recommendations"]]
    blocks += [
        DocxBlock("heading", "法律依据"),
        DocxBlock("paragraph", s.legal_basis),
        DocxBlock("paragraph", f"请于{chinese_date(s.reply_deadline)}前将采纳落实情况书面回复本院。"),
        DocxBlock(
            "signature",
            ctx["court"] + (f"\n{chinese_date(timezone.localdate(s.signed_at))}" if s.signed_at else ""),
        ),
    ]
    if ctx["copies"]:
        blocks.append(DocxBlock("paragraph", "抄送：" + "、".join(ctx["copies"])))
    return render_docx(blocks)

"""Documents: HTML templates rendered to PDF (WeasyPrint, Noto CJK fonts embedded) and to DOCX.

Every generated document goes through here so they share one look: A4, the court's serif CJK
font (Debian's fonts-noto-cjk), page numbers. `render_pdf` returns the bytes; callers store them
(and their SHA-256) with the record they belong to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation


def render_html(template_name: str, context: dict[str, Any], *, language: str = "zh-hans") -> str:
    """Court documents are written in Chinese whatever the reader's interface language."""
    with translation.override(language):
        return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict[str, Any], *, language: str = "zh-hans") -> bytes:
    return pdf_from_html(render_html(template_name, context, language=language))


def pdf_from_html(html: str) -> bytes:
    """A PDF of HTML rendered earlier: a document whose content was frozen in its transaction is
    rendered after the commit, so no lock is held while WeasyPrint works."""
    from weasyprint import HTML  # imported here: it loads Pango, which only document work needs

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return bytes(HTML(string=html, base_url=None).write_pdf())


def chinese_date(day: dt.date | str) -> str:
    """2026年10月8日, as court documents write a date (a date kept as ISO text in frozen content too)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class DocxBlock:
    """One block of a DOCX: a heading, a paragraph, or a table (header row first)."""

    kind: str  # "title", "heading", "paragraph", "table", "signature"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def render_docx(blocks: list[DocxBlock]) -> bytes:
    """A Word document for the court to edit: SimSun-like CJK font, the same content as the PDF."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Noto Serif CJK SC"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    for block in blocks:
        if block.kind == "title":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(block.text)
            run.bold = True
            run.font.size = Pt(18)
        elif block.kind == "heading":
            p = doc.add_paragraph()
            run = p.add_run(block.text)
            run.bold = True
        elif block.kind == "table":
            if not block.rows:
                continue
            table = doc.add_table(rows=0, cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                cells = table.add_row().cells
                for i, value in enumerate(row):
                    cells[i].text = str(value)
                    if r == 0:
                        for run in cells[i].paragraphs[0].runs:
                            run.bold = True
        elif block.kind == "signature":
            p = doc.add_paragraph(block.text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            doc.add_paragraph(block.text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """All the text of a DOCX, paragraphs and table cells, for tests and previews."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)

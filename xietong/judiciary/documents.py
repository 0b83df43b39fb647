"""The court documents of the judiciary: the 民特 ruling of confirmation, judgments and mediation
statements, hearing notices (传票). Rendered to PDF by xietong.documents (Noto CJK embedded)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from xietong.cases.choices import PartyRole
from xietong.cases.models import Case, CaseParty
from xietong.documents.render import pdf_from_html, render_html, render_pdf, sha256

from .choices import RulingKind
from .models import Hearing, Ruling

RULING_TEMPLATES = {
    RulingKind.CONFIRMATION: "judiciary/ruling_pdf.html",
    RulingKind.JUDGMENT: "judiciary/judgment_pdf.html",
    RulingKind.SETTLEMENT: "judiciary/judgment_pdf.html",
}
# In a filed case the applicant side sues: 原告; the other side answers: 被告.
TRIAL_ROLE: dict[str, str] = {
    PartyRole.APPLICANT: "原告",
    PartyRole.PLAINTIFF: "原告",
    PartyRole.RESPONDENT: "被告",
    PartyRole.DEFENDANT: "被告",
    PartyRole.THIRD_PARTY: "第三人",
}


def _parties(case: Case) -> list[CaseParty]:
    return list(CaseParty.objects.filter(case=case).select_related("person", "organisation", "agent").order_by("pk"))


def _party_rows(case: Case, *, trial: bool) -> list[dict[str, str]]:
    rows = []
    for p in _parties(case):
        if p.person is not None:
            detail = f"公民身份号码{p.person.id_number_masked}"
        elif p.organisation is not None:
            detail = f"统一社会信用代码{p.organisation.uscc}" if p.organisation.uscc else ""
        else:  # pragma: no cover - a party is a person or an organisation
            detail = ""
        rows.append(
            {
                "title": TRIAL_ROLE.get(p.role, "当事人") if trial else "申请人",
                "name": p.name,
                "detail": detail,
                "agent": p.agent.name if p.agent else "",
            }
        )
    return rows


def _plan(agreement: Any) -> dict[str, Any]:
    if agreement is None:
        return {}
    instalments = list(agreement.instalments.all())
    return {
        "total": agreement.total,
        "waived": agreement.waived,
        "agreed": agreement.agreed,
        "instalments": instalments,
        "count": len(instalments),
        "first_due": instalments[0].due_date if instalments else None,
        "last_due": instalments[-1].due_date if instalments else None,
        "default_clause": agreement.default_clause,
        "terms": agreement.terms,
        "content_hash": agreement.content_hash,
        "version": agreement.version,
    }


def ruling_context(ruling: Ruling, *, agreement: Any = None) -> dict[str, Any]:
    case = ruling.case
    outcome = ruling.outcome if ruling.outcome_id else None
    return {
        "ruling": ruling,
        "case": case,
        "court": case.court.name,
        "number": ruling.number,
        "parties": _party_rows(case, trial=ruling.kind != RulingKind.CONFIRMATION),
        "plan": _plan(agreement),
        "outcome": outcome,
        "judge": str(ruling.judge),
        "date": timezone.localtime(ruling.issued_at).date(),
        "mediation_number": case.numbers.order_by("pk").values_list("text", flat=True).first(),
    }


def ruling_body(ruling: Ruling, *, agreement: Any = None) -> str:
    """The ruling's text (kept with the record, searchable), from the same template as its PDF."""
    import re

    html = render_html(RULING_TEMPLATES[RulingKind(ruling.kind)], ruling_context(ruling, agreement=agreement))
    body = html.split("<body>", 1)[-1]
    text = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    text = re.sub(r"<(br|/p|/h1|/h2|/tr|/div)[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def ruling_pdf_bytes(ruling: Ruling, *, agreement: Any = None) -> bytes:
    """The ruling rendered to PDF (nothing stored)."""
    if agreement is None and ruling.review_id:
        agreement = ruling.review.agreement  # type: ignore[union-attr]
    return render_pdf(RULING_TEMPLATES[RulingKind(ruling.kind)], ruling_context(ruling, agreement=agreement))


def ruling_render(ruling: Ruling, *, agreement: Any = None, data: bytes | None = None) -> bytes:
    """Render the ruling to PDF (or take `data` rendered earlier), store it with its SHA-256. Returns the bytes."""
    if data is None:
        data = ruling_pdf_bytes(ruling, agreement=agreement)
    ruling.sha256 = sha256(data)
    ruling.pdf.save(f"ruling-{ruling.case_id}-{ruling.kind}.pdf", ContentFile(data), save=False)
    ruling.save(update_fields=["pdf", "sha256"])
    return data


def hearing_notice_html(hearing: Hearing) -> str:
    """The notice (传票) as HTML, dated the day the hearing was scheduled: frozen in that transaction."""
    case = hearing.case
    return render_html(
        "judiciary/hearing_notice_pdf.html",
        {
            "hearing": hearing,
            "case": case,
            "court": case.court.name,
            "number": case.number,
            "parties": _party_rows(case, trial=True),
            "starts_at": timezone.localtime(hearing.starts_at),
            "judge": str(hearing.judge),
            "date": timezone.localtime(hearing.created_at).date(),
        },
    )


def hearing_notice_pdf(hearing: Hearing) -> bytes:
    """The notice's PDF, from the HTML frozen when the hearing was scheduled (or made now, for an older one)."""
    return pdf_from_html(hearing.notice_html or hearing_notice_html(hearing))

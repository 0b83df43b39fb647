"""The application for enforcement (强制执行申请书) as PDF and DOCX, from one content dict.

Court documents are written in Chinese whatever the reader's language (documents.render)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xietong.cases.choices import PartyRole
from xietong.cases.models import CaseParty
from xietong.documents.render import DocxBlock, render_docx, render_pdf

from .choices import BasisKind
from .models import EnforcementApplication, Payment

PDF_TEMPLATE = "repayment/enforcement_pdf.html"


def application_content(application: EnforcementApplication) -> dict[str, Any]:
    """Parties (the creditor applies, the debtor is the respondent), basis, what was paid and is owed."""
    case = application.case
    parties = list(CaseParty.objects.filter(case=case).select_related("person", "organisation", "agent").order_by("pk"))
    with translation.override("zh-hans"):
        rows = []
        for p in parties:
            applicant = p.organisation_id is not None and p.organisation_id == application.applicant_id
            rows.append(
                {
                    "title": "申请执行人" if applicant else "被执行人",
                    "name": p.name,
                    "detail": p.person.id_number_masked
                    if p.person
                    else (p.organisation.uscc if p.organisation else ""),
                    "agent": p.agent.name if p.agent else "",
                    "role": str(PartyRole(p.role).label),
                }
            )
        rows.sort(key=lambda r: r["title"] != "申请执行人")
        payments = (
            [
                {"paid_on": pay.paid_on.isoformat(), "amount": f"{pay.amount:.2f}", "reference": pay.reference}
                for pay in Payment.objects.filter(plan_id=application.plan_id).order_by("paid_on", "pk")
            ]
            if application.plan_id
            else []
        )
        missed = (
            [
                {"seq": i.seq, "due_date": i.due_date.isoformat(), "outstanding": f"{i.outstanding:.2f}"}
                for i in application.plan.instalments.order_by("seq")
                if i.outstanding > 0
            ]
            if application.plan is not None
            else []
        )
        return {
            "case_number": case.number or "",
            "court": case.court.name,
            "parties": rows,
            "basis_kind": application.basis_kind,
            "basis_label": str(BasisKind(application.basis_kind).label),
            "basis_number": application.basis_number,
            "total": f"{(application.plan.total if application.plan else case.total):.2f}",
            "paid": f"{application.amount_paid:.2f}",
            "outstanding": f"{application.amount_outstanding:.2f}",
            "payments": payments,
            "unpaid": missed,
            "accelerate": bool(application.plan and application.plan.accelerate),
            "applied_by": application.applied_by_label,
            "applied_on": timezone.localdate(application.applied_at).isoformat(),
        }


def _request_text(c: dict[str, Any]) -> str:
    return _(
        "Enforce %(basis)s: order the respondent to pay %(outstanding)s yuan still outstanding "
        "(of %(total)s yuan; %(paid)s yuan paid), and the costs of enforcement."
    ) % {"basis": c["basis_number"], "outstanding": c["outstanding"], "total": c["total"], "paid": c["paid"]}


def application_render_pdf(application: EnforcementApplication) -> bytes:
    c = application.content or application_content(application)
    with translation.override("zh-hans"):
        request_text = _request_text(c)
    return render_pdf(PDF_TEMPLATE, {"c": c, "request_text": request_text})


def application_render_docx(application: EnforcementApplication) -> bytes:
    c = application.content or application_content(application)
    with translation.override("zh-hans"):
        blocks = [DocxBlock("title", "强制执行申请书")]
        blocks.append(DocxBlock("heading", _("Parties")))
        blocks.append(
            DocxBlock(
                "table",
                rows=[[_("Role"), _("Name"), _("ID number"), _("Represented by")]]
                + [[p["title"], p["name"], p["detail"], p["agent"]] for p in c["parties"]],
            )
        )
        blocks.append(DocxBlock("heading", _("Enforceable basis")))
        blocks.append(DocxBlock("paragraph", f"{c['basis_label']}：{c['basis_number']}"))
        blocks.append(DocxBlock("heading", _("Request")))
        blocks.append(DocxBlock("paragraph", _request_text(c)))
        blocks.append(DocxBlock("heading", _("Payments received")))
        blocks.append(
            DocxBlock(
                "table",
                rows=[[_("Paid on"), _("Amount (yuan)"), _("Reference")]]
                + [[p["paid_on"], p["amount"], p["reference"]] for p in c["payments"]]
                + [[_("Total"), c["paid"], ""]],
            )
        )
        blocks.append(DocxBlock("paragraph", f"此致\n{c['court']}"))
        blocks.append(DocxBlock("signature", f"申请执行人：{c['parties'][0]['name']}　{c['applied_on']}"))
    return render_docx(blocks)

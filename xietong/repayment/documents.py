"""The application for enforcement (强制执行申请书) as PDF and DOCX, from one content dict.

Court documents are written in Chinese whatever the reader's language (documents.render)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xietong.cases.choices import PartyRole
from xietong.cases.models import CaseParty
from xietong.documents.render import DocxBlock, chinese_date, render_docx, render_pdf

from .choices import BasisKind
from .models import EnforcementApplication, Payment
from .selectors import basis_amount, case_waived

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
        payments = [
            {"paid_on": pay.paid_on.isoformat(), "amount": f"{pay.amount:.2f}", "reference": pay.reference}
            for pay in Payment.objects.filter(case_id=case.pk).order_by("paid_on", "pk")
        ]
        plan = application.plan
        unpaid = (
            [
                {"seq": i.seq, "due_date": i.due_date.isoformat(), "outstanding": f"{i.outstanding:.2f}"}
                for i in plan.instalments.order_by("seq")
                if i.outstanding > 0
            ]
            if plan is not None
            else []
        )
        kind = BasisKind(application.basis_kind)
        total = basis_amount(case, kind)
        waived = case_waived(case)
        return {
            # the case's first number (诉前调): the basis carries its own
            "case_number": case.numbers.order_by("pk").values_list("text", flat=True).first() or case.number or "",
            "court": case.court.name,
            "parties": rows,
            "basis_kind": application.basis_kind,
            "basis_label": str(BasisKind(application.basis_kind).label),
            "basis_number": application.basis_number,
            "basis_document": BASIS_DOCUMENT[kind],
            "total": f"{total:.2f}",
            "paid": f"{application.amount_paid:.2f}",
            "waived": f"{waived:.2f}",
            "outstanding": f"{application.amount_outstanding:.2f}",
            "payments": payments,
            "unpaid": unpaid,
            "accelerate": bool(plan and plan.accelerate),
            "plan_version": plan.version if plan else None,
            "reason": _default_reason(kind, plan, unpaid),
            "applied_by": application.applied_by_label,
            "applied_on": timezone.localdate(application.applied_at).isoformat(),
        }


# What the basis is called in the application, and what the debtor failed to do under it (Chinese: a court
# document).
BASIS_DOCUMENT = {
    BasisKind.CONFIRMATION: "民事裁定书（司法确认）",
    BasisKind.JUDGMENT: "民事判决书",
    BasisKind.SETTLEMENT: "民事调解书",
}


def _default_reason(kind: BasisKind, plan: Any, unpaid: list[dict[str, Any]]) -> str:
    """Why the application is made: the default the basis names, in the words fit for that basis."""
    late = len(unpaid)
    revised = plan is not None and plan.version > 1
    if kind == BasisKind.CONFIRMATION:
        text = "被执行人未按经司法确认的调解协议约定按期还款，已按约定构成违约"
        if revised:
            text = "双方在履行中约定变更还款计划后，被执行人仍未按期还款，已构成违约"
        if plan is not None and plan.accelerate:
            text += "，剩余款项依约全部到期"
        return text
    document = "判决" if kind == BasisKind.JUDGMENT else "调解书"
    if plan is None:
        return f"被执行人未在{document}确定的履行期间内履行给付义务"
    text = f"被执行人未按{document}确定的分期付款期限履行，尚有{late}期未付"
    if plan.accelerate:
        text += f"，依{document}剩余款项全部到期"
    return text


def _request_text(c: dict[str, Any]) -> str:
    return _(
        "Enforce %(basis)s: order the respondent to pay %(outstanding)s yuan still outstanding "
        "(of %(total)s yuan; %(paid)s yuan paid), and the costs of enforcement."
    ) % {"basis": c["basis_number"], "outstanding": c["outstanding"], "total": c["total"], "paid": c["paid"]}


def _facts_text(c: dict[str, Any]) -> str:
    """The facts and reasons, for the PDF and the DOCX alike (applications made before this wording
    have no "reason": the agreement's)."""
    reason = c.get("reason") or "已按约定构成违约" + ("，剩余款项依约全部到期" if c.get("accelerate") else "")
    document = c.get("basis_document") or "上述法律文书"
    waived = c.get("waived") or "0.00"
    text = (
        f"{document}{c['basis_number']}已经发生法律效力。被执行人应支付人民币{c['total']}元，"
        f"截至申请之日已支付人民币{c['paid']}元"
    )
    if waived != "0.00":
        text += f"，申请执行人减免人民币{waived}元"
    text += (
        f"，尚欠人民币{c['outstanding']}元。{reason}。"
        "被执行人未按生效法律文书确定的期间履行义务，特依照《中华人民共和国民事诉讼法》第二百四十七条的规定申请强制执行。"
    )
    return text


def application_render_pdf(application: EnforcementApplication) -> bytes:
    c = application.content or application_content(application)
    with translation.override("zh-hans"):
        request_text = _request_text(c)
    return render_pdf(
        PDF_TEMPLATE,
        {
            "c": c,
            "request_text": request_text,
            "facts_text": _facts_text(c),
            "applied_on": chinese_date(c["applied_on"]),
        },
    )


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
        blocks.append(DocxBlock("heading", "事实与理由"))
        blocks.append(DocxBlock("paragraph", _facts_text(c)))
        if c["payments"]:  # as in the PDF: no empty table of payments
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
        blocks.append(DocxBlock("signature", f"申请执行人：{c['parties'][0]['name']}　{chinese_date(c['applied_on'])}"))
    return render_docx(blocks)

"""The agreement as a document: its content (the snapshot that is signed and hashed), PDF and DOCX.

The same content dict feeds the frozen record, the PDF and the DOCX, so what is hashed is what is
printed. Court documents are written in Chinese whatever the reader's language (documents.render).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xietong.cases.choices import PartyRole
from xietong.documents.render import DocxBlock, render_docx, render_pdf

from .choices import SignatureMethod
from .models import Agreement

PDF_TEMPLATE = "agreements/agreement_pdf.html"


def _local(value: Any) -> str:
    """A time as the signed content keeps it: ISO 8601 in the center's zone (hashed, never reworded)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def local_display(iso: str) -> str:
    """A time of the signed content as the document prints it: 2026年12月07日 14:30 (the center's zone)."""
    if not iso:
        return ""
    try:
        value = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value:%Y}年{value:%m}月{value:%d}日 {value:%H:%M}"


def agreement_content(agreement: Agreement) -> dict[str, Any]:
    """Everything the parties sign, JSON-safe (amounts as strings with two decimals, dates ISO)."""
    from .selectors import parties_of

    case = agreement.case
    with translation.override("zh-hans"):
        parties = [
            {
                "party_id": p.pk,
                "role": p.role,
                "role_label": str(PartyRole(p.role).label),
                "kind": "person" if p.person_id else "organisation",
                "name": p.name,
                "id_masked": p.person.id_number_masked if p.person else (p.organisation.uscc if p.organisation else ""),
                "agent": p.agent.name if p.agent else "",
            }
            for p in parties_of(agreement)
        ]
        names = {p["party_id"]: p["name"] for p in parties}
        signatures = [
            {
                "party_id": s.case_party_id,
                "party": names.get(s.case_party_id, ""),
                "signer": s.signer,
                "method": s.method,
                "method_label": str(SignatureMethod(s.method).label),
                "signed_at": _local(s.signed_at),
            }
            for s in agreement.signatures.all()
        ]
    return {
        "agreement": {
            "id": agreement.pk,
            "version": agreement.version,
            "case_id": case.pk,
            "case_number": case.number or "",
            "court": case.court.name,
            "drafted_by": str(agreement.drafted_by) if agreement.drafted_by else "",
            "drafted_at": _local(agreement.drafted_at),
        },
        "parties": parties,
        "debt": {
            "principal": f"{case.principal:.2f}",
            "interest": f"{case.interest:.2f}",
            "penalty": f"{case.penalty:.2f}",
            "total": f"{agreement.total:.2f}",
        },
        "waived": f"{agreement.waived:.2f}",
        "agreed": f"{agreement.agreed:.2f}",
        "instalments": [
            {"seq": i.seq, "due_date": i.due_date.isoformat(), "amount": f"{i.amount:.2f}"}
            for i in agreement.instalments.all()
        ],
        "default_clause": agreement.default_clause,
        "default_terms": default_terms(agreement),
        "terms": agreement.terms,
        "signatures": signatures,
    }


def default_terms(agreement: Agreement) -> dict[str, Any]:
    """The structured default terms, as signed (and as the repayment follow-up applies them)."""
    return {
        "grace_days": agreement.grace_days,
        "default_after_missed": agreement.default_after_missed,
        "accelerate": agreement.accelerate,
    }


def default_terms_text(terms: dict[str, Any] | None) -> str:
    """The terms in one sentence, in the reader's language (documents: Chinese)."""
    if not terms:
        return ""
    text = _(
        "An instalment unpaid %(grace)d days after its due date is missed; %(missed)d missed instalment(s) "
        "default the plan."
    ) % {"grace": terms["grace_days"], "missed": terms["default_after_missed"]}
    if terms["accelerate"]:
        return text + " " + _("On default the whole balance outstanding falls due at once.")
    return text + " " + _("On default only the instalments already due are owed.")


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def document_content(agreement: Agreement) -> dict[str, Any]:
    """The frozen content once frozen, else the live draft's."""
    if agreement.content is not None:
        return agreement.content
    return agreement_content(agreement)


def _context(agreement: Agreement) -> dict[str, Any]:
    c = document_content(agreement)
    signed = {s["party_id"]: s for s in c["signatures"]}
    return {
        "c": c,
        "draft": agreement.content is None,
        "content_hash": agreement.content_hash,
        "rows": [
            {
                "party": p,
                "signature": signed.get(p["party_id"]),
                "signed_at": local_display(signed[p["party_id"]]["signed_at"]) if p["party_id"] in signed else "",
            }
            for p in c["parties"]
        ],
        "default_terms_text": default_terms_text(c.get("default_terms")),
    }


def agreement_render_pdf(agreement: Agreement) -> bytes:
    with translation.override("zh-hans"):
        ctx = _context(agreement)
    return render_pdf(PDF_TEMPLATE, ctx)


def agreement_render_docx(agreement: Agreement) -> bytes:
    with translation.override("zh-hans"):
        ctx = _context(agreement)
    c = ctx["c"]
    with translation.override("zh-hans"):
        blocks = [DocxBlock("title", _("Mediation agreement"))]
        if ctx["draft"]:
            blocks.append(DocxBlock("paragraph", "草稿 / DRAFT"))
        blocks.append(DocxBlock("paragraph", _("Case number: %(number)s") % {"number": c["agreement"]["case_number"]}))
        blocks.append(DocxBlock("heading", _("Parties")))
        blocks.append(
            DocxBlock(
                "table",
                rows=[[_("Role"), _("Name"), _("ID number"), _("Represented by")]]
                + [[p["role_label"], p["name"], p["id_masked"], p["agent"]] for p in c["parties"]],
            )
        )
        d = c["debt"]
        blocks.append(DocxBlock("heading", _("The debt")))
        blocks.append(
            DocxBlock(
                "paragraph",
                _(
                    "Principal %(principal)s yuan, interest %(interest)s yuan, penalty %(penalty)s yuan, "
                    "in total %(total)s yuan."
                )
                % d,
            )
        )
        blocks.append(DocxBlock("heading", _("What is waived and what is repaid")))
        blocks.append(
            DocxBlock(
                "paragraph",
                _("The creditor waives %(waived)s yuan; the debtor repays %(agreed)s yuan as follows.")
                % {"waived": c["waived"], "agreed": c["agreed"]},
            )
        )
        blocks.append(
            DocxBlock(
                "table",
                rows=[[_("No."), _("Due"), _("Amount (yuan)")]]
                + [[str(i["seq"]), i["due_date"], i["amount"]] for i in c["instalments"]]
                + [["", _("Total"), c["agreed"]]],
            )
        )
        blocks.append(DocxBlock("heading", _("On default")))
        blocks.append(DocxBlock("paragraph", c["default_clause"]))
        if ctx["default_terms_text"]:
            blocks.append(DocxBlock("paragraph", ctx["default_terms_text"]))
        if c["terms"]:
            blocks.append(DocxBlock("heading", _("Other terms")))
            blocks.append(DocxBlock("paragraph", c["terms"]))
        blocks.append(DocxBlock("heading", _("Signatures")))
        for row in ctx["rows"]:
            s = row["signature"]
            text = f"{row['party']['name']}：" + (
                f"{s['signer']}，{s['method_label']}，{row['signed_at']}" if s else _("not signed")
            )
            blocks.append(DocxBlock("signature", text))
        if ctx["content_hash"]:
            blocks.append(
                DocxBlock("paragraph", _("SHA-256 of the signed content: %(hash)s") % {"hash": ctx["content_hash"]})
            )
    return render_docx(blocks)

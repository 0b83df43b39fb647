from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.core.errors import DomainError
from xietong.documents.downloads import DOCX, PDF, download_audited
from xietong.service.choices import AttemptMethod
from xietong.service.organisations import records_of

from .candidates import ALPHA, MIN_CASES, MIN_RATIO, PERSIST_MONTHS, PERSIST_NEEDED, candidates
from .choices import Defect
from .documents import suggestion_docx, suggestion_pdf
from .forms import AnswerForm, DeliveryForm, DraftForm, SendForm
from .measure import DEFAULT_MONTHS, Query, effect, query_for
from .models import AnswerAttachment, Suggestion, SuggestionState
from .selectors import (
    defect_register,
    defect_sources_measured,
    detail_label,
    may_see_sources,
    register_of,
    register_scope,
    reply_stats,
    suggestions_for,
)
from .services import (
    AnswerItem,
    add_months,
    court_settings,
    may_answer,
    may_send,
    may_sign,
    review_due_on,
    suggestion_answer,
    suggestion_delivery_record,
    suggestion_draft,
    suggestion_open,
    suggestion_send,
    suggestion_sign,
)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@login_required
def defects(request: HttpRequest) -> HttpResponse:
    """The defect register: per institution and month, each defect with its denominator. Counts only."""
    allowed, institution = register_scope(request.user)
    if not allowed:
        raise PermissionDenied
    try:
        months = max(1, min(int(request.GET.get("months", "6")), 24))
    except ValueError:
        months = 6
    since = timezone.now() - dt.timedelta(days=31 * months)
    rows = defect_register(institution=institution, since=since)
    measured = defect_sources_measured()
    ctx = {
        "institution": institution,
        "months": months,
        "rows": rows,
        "not_measured": [Defect(d).label for d in Defect.values if d not in measured],
        "court_staff": may(request.user, "suggestions.candidates"),
    }
    return render(request, "suggestions/defects.html", ctx)


CANDIDATE_MONTHS = DEFAULT_MONTHS


def _candidates() -> list[dict[str, Any]]:
    since = timezone.now() - dt.timedelta(days=31 * CANDIDATE_MONTHS)
    return candidates(defect_register(since=since), today=timezone.localdate())


@login_required
def candidate_list(request: HttpRequest) -> HttpResponse:
    """Institutions whose defect rate stands out, with the figures behind each. Proposals only: nothing is sent."""
    if not may(request.user, "suggestions.candidates"):
        raise PermissionDenied
    found = _candidates()
    # A suggestion already made for the same institution and defect (the last year's): shown beside it.
    earlier: dict[tuple[int, str], Suggestion] = {}
    recent = suggestions_for(request.user).filter(created_at__gte=timezone.now() - dt.timedelta(days=366))
    recent = recent.order_by("created_at")
    for s in recent:
        earlier[(s.institution_id, str(s.snapshot_query.get("defect", "")))] = s
    for c in found:
        c["defect_label"] = Defect(c["defect"]).label
        c["earlier"] = earlier.get((c["institution_id"], c["defect"]))
    ctx = {
        "candidates": found,
        "rule": {
            "min_cases": MIN_CASES,
            "ratio": MIN_RATIO,
            "alpha": ALPHA,
            "needed": PERSIST_NEEDED,
            "months": PERSIST_MONTHS,
        },
    }
    return render(request, "suggestions/candidates.html", ctx)


def _draft_initial(request: HttpRequest) -> dict[str, Any]:
    court = request.user.organisation  # type: ignore[union-attr]
    reply_months = court_settings(court).reply_months if court is not None else 2
    initial: dict[str, Any] = {
        "reply_deadline": add_months(timezone.localdate(), reply_months),
        "months": CANDIDATE_MONTHS,
    }
    inst = Organisation.objects.filter(pk=request.GET.get("institution") or 0).first()
    defect = request.GET.get("defect", "")
    if inst is not None:
        initial["institution"] = inst.pk
    if defect in Defect.values:
        initial["defect"] = defect
        initial["detail"] = request.GET.get("detail", "")[:40]
        initial["problems"] = _("%(defect)s: see the figures below.") % {"defect": Defect(defect).label}
        if inst is not None:
            initial["title"] = _("Judicial suggestion to %(name)s on %(defect)s") % {
                "name": inst.display_name,
                "defect": Defect(defect).label,
            }
    return initial


@login_required
def draft(request: HttpRequest) -> HttpResponse:
    """Draft a suggestion, from a candidate (?institution=&defect=) or from nothing. With a defect chosen,
    its figures for the institution are frozen in the draft with the query that reproduces them, and the
    cases behind them are kept (listed to the court's staff only)."""
    if not may(request.user, "suggestions.draft"):
        raise PermissionDenied
    form = DraftForm(request.POST or None, initial=_draft_initial(request))
    preview = None
    if request.method == "GET":
        inst, defect = form.initial.get("institution"), form.initial.get("defect")
        if inst and defect:
            q = query_for(institution_id=int(inst), defect=str(defect), detail=str(form.initial.get("detail", "")))
            from .measure import run, source_case_ids

            preview = {**run(q), "cases": len(source_case_ids(q)), "query_text": _query_text(q)}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        query = (
            query_for(institution_id=d["institution"].pk, defect=d["defect"], detail=d["detail"], months=d["months"])
            if d["defect"]
            else None
        )
        try:
            s = suggestion_draft(
                actor=request.user,
                institution=d["institution"],
                title=d["title"],
                problems=d["problems"],
                causes=d["causes"],
                recommendations=d["recommendations"],
                legal_basis=d["legal_basis"],
                reply_deadline=d["reply_deadline"],
                copies_to=list(d["copies_to"]),
                snapshot_query=query.as_dict() if query else None,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("The suggestion was drafted. A division head or deputy president signs it off.")
            )
            return redirect("suggestion-detail", pk=s.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "suggestions/draft.html", {"form": form, "preview": preview}, status=status)


def _suggestion(request: HttpRequest, pk: int) -> Suggestion:
    s = suggestions_for(request.user).filter(pk=pk).first()
    if s is None:
        raise Http404(_("No such suggestion."))
    return s


@login_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    """The register (台账): every suggestion the user may see with its state and deadline, overdue first;
    the reply and adoption rates per year and institution."""
    if not may(request.user, "suggestions.view"):
        raise PermissionDenied
    rows = register_of(request.user)
    ctx = {
        "suggestions": rows,
        "stats": reply_stats(rows),
        "court_staff": may(request.user, "suggestions.candidates"),
    }
    return render(request, "suggestions/list.html", ctx)


EXPORT_COLUMNS = [
    gettext_lazy("Number"),
    gettext_lazy("Title"),
    gettext_lazy("Addressee"),
    gettext_lazy("State"),
    gettext_lazy("Signed off"),
    gettext_lazy("Sent"),
    gettext_lazy("Served"),
    gettext_lazy("Reply by"),
    gettext_lazy("Overdue"),
    gettext_lazy("Answered"),
    gettext_lazy("Recommendations"),
    gettext_lazy("Adopted"),
    gettext_lazy("Partly adopted"),
    gettext_lazy("Not adopted"),
]


@login_required
def suggestion_export(request: HttpRequest) -> HttpResponseBase:
    """The register as XLSX (cells through xietong.core.spreadsheets: no formula leaves live), audited."""
    from openpyxl import Workbook

    from xietong.core.spreadsheets import xlsx_row

    if not may(request.user, "suggestions.view"):
        raise PermissionDenied
    rows = register_of(request.user)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Judicial suggestions")[:31])
    ws.append(xlsx_row(ws, [str(c) for c in EXPORT_COLUMNS]))

    def day(value: dt.datetime | None) -> str:
        return timezone.localtime(value).date().isoformat() if value else ""

    for s in rows:
        answer = getattr(s, "answer", None)
        verdicts = [i.get("verdict") for i in (answer.items if answer else [])]
        ws.append(
            xlsx_row(
                ws,
                [
                    s.number or _("(draft)"),
                    s.title,
                    s.institution.name,
                    str(s.get_state_display()),
                    day(s.signed_at),
                    day(s.sent_at),
                    day(s.served_at),
                    s.reply_deadline.isoformat(),
                    _("yes") if s.overdue else "",
                    day(s.answered_at),
                    len(s.recommendations),
                    verdicts.count("adopted") if answer else "",
                    verdicts.count("partly") if answer else "",
                    verdicts.count("not_adopted") if answer else "",
                ],
            )
        )
    stats = wb.create_sheet(_("Reply and adoption")[:31])
    stats.append(
        xlsx_row(
            stats,
            [_("Year"), _("Institution"), _("Sent"), pgettext("suggestion", "Due"), _("Answered"), _("On time"), _("Reply rate"),
             _("Recommendations"), _("Adopted"), _("Partly adopted"), _("Not adopted"), _("Adoption rate")],
        )
    )  # fmt: skip
    for g in reply_stats(rows):
        stats.append(
            xlsx_row(
                stats,
                [g["year"], g["institution"], g["sent"], g["due"], g["answered"], g["on_time"],
                 round(g["reply_rate"], 4) if g["reply_rate"] is not None else "",
                 g["recommendations"], g["adopted"], g["partly"], g["not_adopted"],
                 round(g["adoption_rate"], 4) if g["adoption_rate"] is not None else ""],
            )
        )  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return download_audited(
        request,
        obj=None,
        object_type="suggestions.register",
        object_repr=_("Judicial suggestions"),
        case=None,
        document="suggestions_register",
        content=buf.getvalue(),
        filename=f"suggestions-{timezone.localdate():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        details={"rows": len(rows)},
    )


def _effect(s: Suggestion) -> dict[str, Any] | None:
    """Before and after: frozen at the review; until then, run now (so far)."""
    if s.review and s.review.get("measured"):
        return {**s.review, "frozen": True}
    query = Query.from_dict(s.snapshot_query)
    if query is None or s.answered_at is None:
        return None
    return {
        **effect(
            query=query,
            drafted_at=s.created_at,
            answered_at=s.answered_at,
            review_months=court_settings(s.court).review_months,
            now=timezone.now(),
        ),
        "frozen": False,
    }


def _bars(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    peak = max([p["rate"] or 0 for p in series] + [p["others_rate"] or 0 for p in series] + [0.01])
    return [
        {
            **p,
            "pct": round(100 * (p["rate"] or 0) / peak),
            "others_rate_pct": None if p["others_rate"] is None else round(100 * p["others_rate"]),
        }
        for p in series
    ]


def _query_text(q: Query | None) -> str:
    """The stored query in words: the defect (and detail), the institution, the window."""
    if q is None:
        return ""
    inst = Organisation.objects.filter(pk=q.institution_id).first()
    parts = [str(Defect(q.defect).label)]
    if q.detail:
        parts.append(detail_label(q.defect, q.detail))
    parts.append(inst.name if inst else str(q.institution_id))
    since, until = timezone.localtime(q.since), timezone.localtime(q.until)
    parts.append(f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M}")
    return " · ".join(parts)


def _detail_context(request: HttpRequest, s: Suggestion, answer_form: AnswerForm | None = None) -> dict[str, Any]:
    user = request.user
    answer = getattr(s, "answer", None)
    eff = _effect(s)
    court_view = may_see_sources(user, s)
    records = list(records_of(s)) if court_view else []
    if answer_form is None and may_answer(user, s) and s.awaits_answer:
        answer_form = AnswerForm(recommendations=s.recommendations)
    addressee = next((r for r in records if not r.is_copy), None)
    postal_pending = (
        addressee is not None and addressee.planned_method == AttemptMethod.POSTAL and not addressee.is_done
    )
    return {
        "s": s,
        "may_sign": may_sign(user, s) and s.state == SuggestionState.DRAFT,
        "court_view": court_view,
        "sources": s.source_cases.order_by("submitted_at", "pk") if court_view else None,
        "records": records,
        "answer": answer,
        "answer_rows": answer.rows(s.recommendations) if answer else None,
        "attachments": list(answer.attachments.all()) if answer else [],
        "answer_form": answer_form,
        "send_form": SendForm() if may_send(user, s) and s.state == SuggestionState.SIGNED else None,
        "delivery_form": DeliveryForm() if court_view and s.is_out and postal_pending else None,
        "overdue": s.is_overdue_on(timezone.localdate()),
        "effect": eff,
        "bars": _bars(eff["series"]) if eff else [],
        "review_due_on": review_due_on(s),
        "query": Query.from_dict(s.snapshot_query),
        "query_text": _query_text(Query.from_dict(s.snapshot_query)),
        "copies": list(s.copies_to.all()),
    }


@login_required
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = _suggestion(request, pk)
    if may(request.user, "suggestions.receive") and s.is_out:
        suggestion_open(actor=request.user, suggestion=s, ip_address=_ip(request))
        s = _suggestion(request, pk)
    return render(request, "suggestions/detail.html", _detail_context(request, s))


@login_required
@require_POST
def suggestion_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    s = _suggestion(request, pk)
    try:
        suggestion_sign(actor=request.user, suggestion=s)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The suggestion was signed off."))
    return redirect("suggestion-detail", pk=s.pk)


@login_required
@require_POST
def suggestion_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    s = _suggestion(request, pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to serve the institution."))
        return redirect("suggestion-detail", pk=s.pk)
    try:
        suggestion_send(
            actor=request.user,
            suggestion=s,
            method=form.cleaned_data["method"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The suggestion was sent to the institution and copied to the regulators."))
    return redirect("suggestion-detail", pk=s.pk)


@login_required
@require_POST
def suggestion_delivery_view(request: HttpRequest, pk: int) -> HttpResponse:
    s = _suggestion(request, pk)
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("suggestion-detail", pk=s.pk)
    try:
        suggestion_delivery_record(
            actor=request.user,
            suggestion=s,
            outcome=form.cleaned_data["outcome"],
            tracking_number=form.cleaned_data["tracking_number"],
            note=form.cleaned_data["note"],
            at=form.when(),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The letter's outcome was recorded."))
    return redirect("suggestion-detail", pk=s.pk)


@login_required
@require_POST
def suggestion_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    s = _suggestion(request, pk)
    if not may_answer(request.user, s):
        raise PermissionDenied
    form = AnswerForm(request.POST, request.FILES, recommendations=s.recommendations)
    if form.is_valid():
        d = form.cleaned_data
        items = [
            AnswerItem(verdict=d[f"verdict_{n}"], reason=d.get(f"reason_{n}", ""))
            for n in range(1, len(s.recommendations) + 1)
        ]
        try:
            suggestion_answer(
                actor=request.user, suggestion=s, actions=d["actions"], items=items, attachments=d["attachments"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your answer was sent to the court."))
            return redirect("suggestion-detail", pk=s.pk)
    messages.error(request, _("The answer was not sent: see the messages below."))
    return render(request, "suggestions/detail.html", _detail_context(request, s, form), status=400)


@login_required
def suggestion_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The 司法建议书 as PDF or DOCX, audited (no case: the suggestion's number and the file's hash)."""
    s = _suggestion(request, pk)
    if may(request.user, "suggestions.receive"):
        suggestion_open(actor=request.user, suggestion=s, ip_address=_ip(request))
    name = f"suggestion-{s.pk}"
    if fmt == "pdf":
        content, ctype = suggestion_pdf(s), PDF
    elif fmt == "docx":
        content, ctype = suggestion_docx(s), DOCX
    else:
        raise Http404(_("No such format."))
    return download_audited(
        request,
        obj=s,
        case=None,
        document="judicial_suggestion",
        content=content,
        filename=f"{name}.{fmt}",
        content_type=ctype,
        details={"suggestion": s.number or "", "format": fmt},
    )


ATTACHMENT_TYPES = {"pdf": ("application/pdf", "pdf"), "jpeg": ("image/jpeg", "jpg"), "png": ("image/png", "png")}


@login_required
def answer_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    s = _suggestion(request, pk)
    att = AnswerAttachment.objects.filter(answer__suggestion=s, pk=attachment_pk).first()
    if att is None:
        raise Http404(_("No such attachment."))
    ctype, ext = ATTACHMENT_TYPES[att.detected_type]
    return download_audited(
        request,
        obj=att,
        case=None,
        document="suggestion_answer_attachment",
        content=att.file.open("rb"),
        filename=f"suggestion-{s.pk}-answer-{att.pk}.{ext}",
        content_type=ctype,
        sha256=att.sha256,
        action=AuditAction.ATTACHMENT_VIEW,
        details={"suggestion": s.number or ""},
    )

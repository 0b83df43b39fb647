from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.choices import Role
from xietong.accounts.models import Organisation
from xietong.cases.permissions import actor_role
from xietong.core.errors import DomainError

from .candidates import ALPHA, MIN_CASES, MIN_RATIO, PERSIST_MONTHS, PERSIST_NEEDED, candidates
from .choices import Defect
from .documents import suggestion_docx, suggestion_pdf
from .models import Suggestion
from .selectors import REGISTER_ROLES, defect_register, defect_sources_measured, register_scope, suggestions_for
from .services import may_sign, suggestion_draft, suggestion_sign


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
    }
    return render(request, "suggestions/defects.html", ctx)


CANDIDATE_MONTHS = 6


def _candidates() -> list[dict[str, Any]]:
    since = timezone.now() - dt.timedelta(days=31 * CANDIDATE_MONTHS)
    return candidates(defect_register(since=since), today=timezone.localdate())


# Candidates are the court's own proposals: court staff and the center, not institutions or regulators.
CANDIDATE_ROLES = frozenset({Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE})


@login_required
def candidate_list(request: HttpRequest) -> HttpResponse:
    """Institutions whose defect rate stands out, with the figures behind each. Proposals only: nothing is sent."""
    if actor_role(request.user) not in CANDIDATE_ROLES:
        raise PermissionDenied
    found = _candidates()
    for c in found:
        c["defect_label"] = Defect(c["defect"]).label
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


@login_required
@require_POST
def draft_from_candidate(request: HttpRequest) -> HttpResponse:
    """Draft a suggestion from a candidate: its figures and the query behind them are frozen in the draft."""
    if actor_role(request.user) not in CANDIDATE_ROLES:
        raise PermissionDenied
    inst, defect = request.POST.get("institution", ""), request.POST.get("defect", "")
    found = [c for c in _candidates() if str(c["institution_id"]) == inst and c["defect"] == defect]
    if not found:
        messages.error(request, _("This institution no longer stands out for this defect; nothing was drafted."))
        return redirect("suggestions-candidates")
    c = found[0]
    recs = request.POST.get("recommendations", "").splitlines()
    try:
        s = suggestion_draft(
            actor=request.user,
            institution=Organisation.objects.get(pk=c["institution_id"]),
            title=request.POST.get("title", "") or _("Judicial suggestion"),
            problems=request.POST.get("problems", "") or str(Defect(defect).label),
            causes=request.POST.get("causes", ""),
            recommendations=recs,
            legal_basis=request.POST.get("legal_basis", ""),
            snapshot={k: v for k, v in c.items() if k != "defect_label"},
            snapshot_query={"source": "defect_register", "defect": defect, "months": CANDIDATE_MONTHS,
                            "institution_id": c["institution_id"], "drafted_on": timezone.localdate().isoformat()},
            source_case_count=c["n"],
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("suggestions-candidates")
    messages.success(request, _("The suggestion was drafted."))
    return redirect("suggestion-detail", pk=s.pk)


def _suggestion(request: HttpRequest, pk: int) -> Suggestion:
    s = suggestions_for(request.user).filter(pk=pk).first()
    if s is None:
        raise Http404(_("No such suggestion."))
    return s


@login_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    if actor_role(request.user) not in REGISTER_ROLES:
        raise PermissionDenied
    return render(request, "suggestions/list.html", {"suggestions": suggestions_for(request.user)})


@login_required
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = _suggestion(request, pk)
    return render(request, "suggestions/detail.html", {"s": s, "may_sign": may_sign(request.user)})


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
def suggestion_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    s = _suggestion(request, pk)
    if fmt == "pdf":
        resp = HttpResponse(suggestion_pdf(s), content_type="application/pdf")
    elif fmt == "docx":
        resp = HttpResponse(
            suggestion_docx(s),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        resp["Content-Disposition"] = f'attachment; filename="suggestion-{s.pk}.docx"'
    else:
        raise Http404(_("No such format."))
    resp["X-Content-Type-Options"] = "nosniff"
    return resp

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.permissions import may
from xietong.cases.definitions import STATUTORY_DAYS, TARGET_DAYS, overdue_q
from xietong.cases.models import Case
from xietong.core.errors import DomainError

from .forms import BulkAssignForm, OverrideForm, WorklistFilterForm, teams_for
from .selectors import worklist_cases, worklist_counts
from .services import case_triage_override, cases_assign_team_bulk

WORKLIST_SIZE = 50


def _worklist(request: HttpRequest, *, assign_form: BulkAssignForm | None = None, status: int = 200) -> HttpResponse:
    user: Any = request.user
    form = WorklistFilterForm(request.GET or None)
    qs = worklist_cases(actor=user, filters=form.filters())
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:  # still before litigation, past the 30-day target
        qs = qs.filter(overdue_q(timezone.now()))
    page = Paginator(qs, WORKLIST_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    selected = {str(v) for v in request.POST.getlist("cases")} if request.method == "POST" else set()
    teams = list(teams_for(user))
    ctx = {
        "form": form,
        "counts": worklist_counts(actor=user),
        "cases": list(page.object_list),
        "page": page,
        "may_assign": may(user, "triage.assign"),
        "teams": teams,
        "teams_of_courts": len({t.court_id for t in teams}) > 1,  # the center assigns across courts
        "assign_form": assign_form,
        "selected": selected,
        "query": query,
        "target_days": TARGET_DAYS,
        "statutory_days": STATUTORY_DAYS,
        "overdue_only": overdue_only,
    }
    return render(request, "triage/worklist.html", ctx, status=status)


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "triage.worklist"):
        raise PermissionDenied
    return _worklist(request)


@login_required
@require_POST
def worklist_assign(request: HttpRequest) -> HttpResponse:
    """Assign the selected cases to a team, all or nothing."""
    user: Any = request.user
    if not may(user, "triage.assign"):
        raise PermissionDenied
    form = BulkAssignForm(request.POST, actor=user)
    if not form.is_valid():
        return _worklist(request, assign_form=form)
    try:
        done = cases_assign_team_bulk(
            cases=list(form.cleaned_data["cases"]), actor=user, team=form.cleaned_data["team"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _worklist(request, assign_form=form)
    messages.success(
        request,
        _("%(n)s case(s) assigned to %(team)s.") % {"n": len(done), "team": form.cleaned_data["team"].name},
    )
    back = request.POST.get("query", "")
    return redirect(reverse("worklists") + (f"?{back}" if back else ""))


@login_required
@require_POST
def case_override(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not may(user, "triage.override"):
        raise PermissionDenied
    case = Case.objects.restrict(user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such case."))
    form = OverrideForm(request.POST, case=case)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errors:
                messages.error(request, f"{label}: {e}" if label else str(e))
        return redirect("case-detail", pk=case.pk)
    d = form.cleaned_data
    try:
        case_triage_override(
            case=case,
            actor=user,
            category=d["category"],
            channel=d["channel"],
            track=d["track"],
            team=d["team"],
            reason=d["reason"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("case-detail", pk=case.pk)
    messages.success(request, _("The triage was changed and recorded."))
    return redirect("case-detail", pk=case.pk)

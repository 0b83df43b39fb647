from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.permissions import may
from xietong.audit.services import audit_checkpoint_on_commit
from xietong.cases.models import Case
from xietong.core.csp import charts
from xietong.core.errors import DomainError
from xietong.documents.downloads import DOCX, PDF, download_audited

from .choices import Dimension, WarningState
from .forms import StepForm
from .models import RiskWarning
from .selectors import (
    SMALL_CELL,
    cases_behind,
    count_dimensions,
    may_open_cases,
    may_view_counts,
    may_view_warnings,
    warning_detail,
    warning_summary,
    warnings_visible,
    weekly_counts,
)
from .services import warning_step

LIST_SIZE = 200
CASES_SHOWN = 50


def _visible(request: HttpRequest, pk: int) -> RiskWarning:
    if not may_view_warnings(request.user):
        raise PermissionDenied
    warning = warnings_visible(request.user).filter(pk=pk).first()
    if warning is None:
        raise Http404(_("No such warning."))
    return warning


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not may_view_warnings(user):
        raise PermissionDenied
    qs = warnings_visible(user)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.exclude(state=WarningState.RESOLVED)
    elif state in WarningState.values:
        qs = qs.filter(state=state)
    dimension = request.GET.get("dimension", "")
    if dimension in Dimension.values:
        qs = qs.filter(dimension=dimension)
    rows = [warning_summary(w, user) for w in qs[:LIST_SIZE]]
    ctx = {
        "rows": rows,
        "state": state,
        "states": WarningState.choices,
        "dimension": dimension,
        "dimensions": Dimension.choices,
        "may_view_counts": may_view_counts(user),
    }
    return render(request, "risk/list.html", ctx)


@charts
@login_required
def warning_page(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    warning = _visible(request, pk)
    detail = warning_detail(warning, user)
    peak = max([p["cases"] for p in detail["series"]] + [1])
    cases = []
    if may_open_cases(user):
        cases = list(
            Case.objects.restrict(user)
            .filter(pk__in=cases_behind(warning).values("pk"))
            .order_by("-submitted_at")[:CASES_SHOWN]
        )
    chart = {
        "series": detail["series"],
        "baseline": detail["baseline"],
        "threshold": detail["threshold"],
        "detector": warning.detector,
    }
    ctx = {
        "w": warning,
        "d": detail,
        "peak": peak,
        "chart": chart,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "cases": cases,
        "may_open_cases": may_open_cases(user),
        "may_act": may(user, "risk.act", warning) and warning.is_open,
        "form": StepForm(),
        "steps": list(warning.steps.all()),
        "may_notice": may(user, "risk.notice"),
    }
    return render(request, "risk/detail.html", ctx)


@login_required
@require_POST
def warning_step_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    warning = _visible(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errors:
                messages.error(request, f"{label}: {e}" if label else str(e))
        return redirect("risk-warning", pk=warning.pk)
    d = form.cleaned_data
    try:
        warning_step(
            actor=user,
            warning=warning.pk,
            step=d["step"],
            note=d["note"],
            agency=d["agency"],
            resolution=d["resolution"],
            until=d["until"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("risk-warning", pk=warning.pk)
    messages.success(request, _("The step was recorded."))
    return redirect("risk-warning", pk=warning.pk)


@login_required
def warning_notice(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The risk notice (风险提示函) as PDF or DOCX: the center, the courts and regulators. Audited."""
    from .documents import notice_docx, notice_pdf

    user: Any = request.user
    warning = _visible(request, pk)
    if not may(user, "risk.notice"):
        raise PermissionDenied
    if fmt not in ("pdf", "docx"):
        raise Http404(_("No such format."))
    data = notice_pdf(warning, user) if fmt == "pdf" else notice_docx(warning, user)
    with transaction.atomic():
        response = download_audited(
            request,
            obj=warning,
            case=None,
            document="risk_notice",
            content=data,
            filename=f"risk-notice-{warning.pk}.{fmt}",
            content_type=PDF if fmt == "pdf" else DOCX,
            details={"format": fmt},
        )
        # A notice leaves for regulators: the audit head as it stood, signed outside the database.
        audit_checkpoint_on_commit(reason=f"export risk_notice {warning.pk} to {user.role}")
    return response


@login_required
def counts_page(request: HttpRequest) -> HttpResponse:
    """New disputes per stratum over recent weeks: court staff see every count, regulators their remit
    with small cells suppressed."""
    user: Any = request.user
    if not may_view_counts(user):
        raise PermissionDenied
    dimensions = count_dimensions(user)
    dimension = request.GET.get("dimension", "")
    if dimension not in dimensions:
        dimension = Dimension.INSTITUTION if Dimension.INSTITUTION in dimensions else dimensions[0]
    table = weekly_counts(actor=user, dimension=dimension, today=timezone.localdate())
    labels = dict(Dimension.choices)
    ctx = {
        "table": table,
        "dimension": dimension,
        "dimensions": [(d, labels[d]) for d in dimensions],
        "small": SMALL_CELL,
    }
    return render(request, "risk/counts.html", ctx)

"""The batch follow-up page (/batches/<pk>/followup/) and its XLSX export. Thin: followup.py computes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xietong.audit.choices import AuditAction
from xietong.core.errors import NotFound
from xietong.documents.downloads import download_audited

from .followup import OUTCOME_LABELS, XLSX_CONTENT_TYPE, batch_followup, followup_xlsx
from .models import Batch
from .permissions import may_use_batches
from .selectors import batch_get


def _batch(request: HttpRequest, pk: int) -> Batch:
    if not may_use_batches(request.user):
        raise PermissionDenied
    try:
        return batch_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404(_("No such batch.")) from None


@login_required
@require_GET
def batch_followup_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    figures = batch_followup(actor=request.user, batch=batch)
    funnel = [
        ("delivered", _("Delivered"), figures.delivered),
        ("mediation", _("Reached mediation"), figures.in_mediation),
        ("agreements", _("Reached an agreement"), figures.agreements),
        ("confirmed", _("Judicially confirmed"), figures.confirmed),
        ("filed", _("Filed for trial"), figures.filed),
        ("closed", _("Closed"), figures.closed),
    ]
    outcome = [(key, OUTCOME_LABELS[key], n) for key, n in figures.outcome.items()]
    top = max([n for *_rest, n in funnel] + [1])
    return render(
        request,
        "batches/followup.html",
        {
            "batch": batch,
            "f": figures,
            "funnel": [(key, label, n, round(n * 100 / top)) for key, label, n in funnel],
            "outcome": outcome,
        },
    )


@login_required
@require_GET
def batch_followup_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = _batch(request, pk)
    return download_audited(  # the batch's people by name: who took them out, and when
        request,
        obj=batch,
        case=None,
        document="batch_followup",
        content=followup_xlsx(actor=request.user, batch=batch),
        filename=f"batch-{batch.pk}-followup.xlsx",
        content_type=XLSX_CONTENT_TYPE,
        action=AuditAction.BATCH_EXPORT,
        details={"batch": batch.pk, "format": "xlsx"},
    )

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .choices import Defect
from .selectors import defect_register, defect_sources_measured, register_scope


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

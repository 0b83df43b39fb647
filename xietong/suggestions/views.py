from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.cases.permissions import actor_role

from .candidates import ALPHA, MIN_CASES, MIN_RATIO, PERSIST_MONTHS, PERSIST_NEEDED, candidates
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


# Candidates are the court's own proposals: court staff and the center, not institutions or regulators.
CANDIDATE_ROLES = frozenset({Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE})


@login_required
def candidate_list(request: HttpRequest) -> HttpResponse:
    """Institutions whose defect rate stands out, with the figures behind each. Proposals only: nothing is sent."""
    if actor_role(request.user) not in CANDIDATE_ROLES:
        raise PermissionDenied
    since = timezone.now() - dt.timedelta(days=31 * 6)
    found = candidates(defect_register(since=since), today=timezone.localdate())
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

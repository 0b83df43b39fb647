from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.permissions import may
from xietong.core.errors import DomainError
from xietong.parties.services import person_reveal_id, person_reveal_phone

from .choices import CaseState
from .definitions import TARGET_DAYS
from .forms import CaseFilterForm, TransitionForm
from .models import CaseParty
from .panels import panels_for
from .permissions import may_see_personal_data
from .selectors import case_get, case_list
from .services import allowed_transitions, case_transition

PAGE_SIZE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not may(user, "cases.list") and not may(user, "cases.own"):
        return redirect("dashboard")  # regulators: figures, never case rows
    if may(user, "cases.own") and not request.GET:
        return redirect("my-cases")  # each case with its state and what happens next
    form = CaseFilterForm(request.GET or None, actor=user)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    rows = list(case_list(actor=user, filters=form.filters())[start : start + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form,
        "cases": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
    }
    template = "cases/_case_table.html" if request.htmx else "cases/home.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)


def case_or_404(request: HttpRequest, pk: int) -> Any:
    if not (may(request.user, "cases.list") or may(request.user, "cases.own")):
        raise PermissionDenied  # regulators: no case page at all
    case = case_get(actor=request.user, pk=pk)
    if case is None:
        raise Http404(_("No such case."))
    return case


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    ctx = {
        "case": case,
        "parties": list(case.parties.all()),
        # Steps with their own form in an app's panel (e.g. confirmation after the review) are taken there.
        "transitions": [t for t in allowed_transitions(case=case, actor=request.user) if t.panel is None],
        "may_reveal": may_see_personal_data(request.user),
        "target_days": TARGET_DAYS,
        "panels": panels_for(request, case),
    }
    return render(request, "cases/detail.html", ctx)


@login_required
@require_POST
def case_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request was incomplete; nothing was changed."))
        return redirect("case-detail", pk=case.pk)
    try:
        updated = case_transition(
            case=case.pk, code=form.cleaned_data["code"], actor=request.user, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("case-detail", pk=case.pk)
    messages.success(request, _("Done: the case is now %(state)s.") % {"state": CaseState(updated.state).label})
    return redirect("case-detail", pk=case.pk)


@login_required
@require_POST
def party_reveal(request: HttpRequest, pk: int, party_pk: int, what: str) -> HttpResponse:
    """Show one party's full ID or phone number, once, and audit that it was seen."""
    case = case_or_404(request, pk)
    if not may_see_personal_data(request.user):
        raise PermissionDenied
    party = CaseParty.objects.select_related("person").filter(case=case, pk=party_pk, person__isnull=False).first()
    if party is None or party.person is None:
        raise Http404(_("No such party."))
    ip = request.META.get("REMOTE_ADDR")
    if what == "id":
        value = person_reveal_id(actor=request.user, person=party.person, ip_address=ip)
    elif what == "phone":
        value = person_reveal_phone(actor=request.user, person=party.person, ip_address=ip)
    else:
        raise Http404
    return render(request, "cases/_revealed.html", {"value": value})

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xietong.accounts.permissions import may
from xietong.cases.selectors import case_list
from xietong.core.errors import DomainError
from xietong.parties.models import Person

from .demo import demo_hint
from .forms import LookupForm, OpenCasesForm, StatusCodeForm, StatusNumberForm
from .selectors import LookupResult, person_debts
from .services import cases_open_from_debts, person_lookup, person_lookup_self, status_code_request, status_verify


def _staff(request: HttpRequest, action: str = "lookup.use") -> Any:
    if not may(request.user, action):
        raise PermissionDenied
    return request.user


def _render_lookup(request: HttpRequest, form: LookupForm, result: LookupResult | None, **extra: Any) -> HttpResponse:
    ctx = {
        "demo_people": demo_hint() if getattr(settings, "DEMO_MODE", False) and result is None else [],
        "form": form,
        "result": result,
        "may_open": may(request.user, "lookup.open"),
        **extra,
    }
    return render(request, "lookup/lookup.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Staff enter an ID number (POSTed, so it never sits in a URL or a log) and see everything on file."""
    actor = _staff(request)
    if request.method != "POST":
        return _render_lookup(request, LookupForm(), None)
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _render_lookup(request, form, None)
    result = person_lookup(
        actor=actor, id_number=form.cleaned_data["id_number"], ip_address=request.META.get("REMOTE_ADDR")
    )
    return _render_lookup(request, form, result)


@login_required
@require_POST
def lookup_open(request: HttpRequest) -> HttpResponse:
    """Open one pre-litigation case per chosen debt, in one step; then show the person again."""
    actor = _staff(request, "lookup.open")
    raw_id = request.POST.get("id_number", "")
    lookup_form = LookupForm({"id_number": raw_id})
    if not lookup_form.is_valid():
        messages.error(request, _("The lookup was incomplete; look the person up again."))
        return _render_lookup(request, LookupForm(), None)
    id_number = lookup_form.cleaned_data["id_number"]
    person = Person.objects.filter(id_number=id_number).first()
    debt_ids = list(person_debts(person=person).values_list("pk", flat=True)) if person else []
    form = OpenCasesForm(request.POST, debt_ids=debt_ids)
    opened: list[Any] = []
    if person is None or not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs] if person else [_("No such person.")]
        for e in errors:
            messages.error(request, e)
    else:
        try:
            opened = cases_open_from_debts(actor=actor, person=person, debt_ids=form.cleaned_data["debts"])
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("%(n)d pre-litigation cases were opened: %(numbers)s.")
                % {"n": len(opened), "numbers": ", ".join(c.number or "" for c in opened)},
            )
    result = person_lookup(actor=actor, id_number=id_number, ip_address=request.META.get("REMOTE_ADDR"))
    return _render_lookup(request, lookup_form, result, opened=opened)


@login_required
def my_lookup(request: HttpRequest) -> HttpResponse:
    """A party's own lookup: their debts and cases across institutions, nobody else's."""
    if not may(request.user, "lookup.self"):
        raise PermissionDenied
    result = person_lookup_self(actor=request.user)
    return render(request, "lookup/my_lookup.html", {"result": result})


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """A party's cases (their own and those they act in), each with its state and next step."""
    if not may(request.user, "cases.own"):
        raise PermissionDenied
    cases = list(case_list(actor=request.user)[:100])
    return render(request, "lookup/my_cases.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
def status_check(request: HttpRequest) -> HttpResponse:
    """Anyone with a case number: ask for a code, enter it, see the bare state and next step."""
    ctx: dict[str, Any] = {"number_form": StatusNumberForm()}
    if request.method == "POST" and "code" in request.POST:
        code_form = StatusCodeForm(request.POST)
        ctx["code_form"] = code_form
        if code_form.is_valid():
            try:
                ctx["status"] = status_verify(
                    number=code_form.cleaned_data["number"], code=code_form.cleaned_data["code"]
                )
                ctx.pop("code_form")
            except DomainError as exc:
                ctx["error"] = str(exc.message)
        ctx["sent_to"] = request.POST.get("sent_to", "")[:20]
    elif request.method == "POST":
        number_form = StatusNumberForm(request.POST)
        ctx["number_form"] = number_form
        if number_form.is_valid():
            number = number_form.cleaned_data["number"]
            ctx["sent_to"] = status_code_request(number=number)
            ctx["code_form"] = StatusCodeForm(initial={"number": number})
    return render(request, "lookup/status.html", ctx)

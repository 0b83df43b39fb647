"""Intake pages: apply (for oneself or a relative), counter and station filing, registration, taking a case over."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xietong.accounts.permissions import may
from xietong.core.errors import DomainError

from .forms import (
    ApplicationForm,
    ClaimCodeForm,
    ClaimStartForm,
    CodeForm,
    RegisterForm,
    RelativeApplicationForm,
    StaffApplicationForm,
)
from .models import Application
from .selectors import application_by_token, application_cases, person_of
from .services import (
    SubmitResult,
    case_claim,
    citizen_apply,
    claim_start,
    registration_complete,
    registration_start,
    staff_file,
)

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _require(request: HttpRequest, action: str) -> Any:
    user: Any = request.user
    if not may(user, action):
        raise PermissionDenied
    return user


def add_errors(form: Form, exc: DomainError | ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names, or above the form."""
    if isinstance(exc, DomainError):
        form.add_error(None, str(exc.message))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
        return
    form.add_error(None, exc)


def _done_redirect(request: HttpRequest, application: Application) -> HttpResponse:
    return redirect(f"{request.path}?{urlencode({'done': application.client_token or ''})}")


def _submitted(request: HttpRequest, user: Any) -> HttpResponse | None:
    """GET ?done=<token>: the result of this user's submission (the cases it opened, with their numbers)."""
    token = request.GET.get("done")
    if not token:
        return None
    application = application_by_token(token=token)
    if application is None or application.submitted_by_id != user.pk:
        raise Http404(_("No such application."))
    cases = list(application_cases(application=application, actor=user))
    ctx = {"application": application, "cases": cases, **_where_next(user, cases)}
    return render(request, "intake/submitted.html", ctx)


def _where_next(user: Any, cases: list[Any]) -> dict[str, str]:
    """Where the filer follows what they filed: a party their cases, a station its filings, staff the case."""
    if may(user, "intake.apply"):
        return {
            "next_text": _("A mediator will contact you. You can follow each case under “My cases”."),
            "next_url": reverse("my-cases"),
            "next_label": _("My cases"),
        }
    if may(user, "intake.station"):
        return {
            "next_text": _(
                "The center will contact the villager. The cases your station filed are listed under “Cases”."
            ),
            "next_url": reverse("home"),
            "next_label": _("Cases filed by the station"),
        }
    if len(cases) == 1:
        return {
            "next_text": _("The case is triaged and waits for a mediator."),
            "next_url": reverse("case-detail", args=[cases[0].pk]),
            "next_label": _("Open the case"),
        }
    return {
        "next_text": _("The cases are triaged and wait for a mediator: open each from its number."),
        "next_url": reverse("home"),
        "next_label": _("Cases"),
    }


def _earlier(request: HttpRequest, user: Any) -> Application | None:
    """A second submit of the same form (a double click, a reload): the first one's result."""
    token = request.POST.get("client_token", "")
    application = application_by_token(token=token) if token else None
    if application is not None and application.submitted_by_id == user.pk:
        return application
    return None


def _apply(request: HttpRequest, *, relative: bool) -> HttpResponse:
    user = _require(request, "intake.apply")
    done = _submitted(request, user)
    if done is not None:
        return done
    person = person_of(user)
    form_class = RelativeApplicationForm if relative else ApplicationForm
    if request.method == "POST":
        earlier = _earlier(request, user)
        if earlier is not None:
            return _done_redirect(request, earlier)
        form = form_class(request.POST, request.FILES, needs_identity=person is None)
        if form.is_valid():
            try:
                result: SubmitResult = citizen_apply(
                    user=user,
                    identity=form.identity() if form.needs_identity else None,
                    institutions=list(form.cleaned_data["institutions"]),
                    dispute=form.dispute(),
                    consent_online_mediation=form.cleaned_data["consent_online_mediation"],
                    consent_electronic_service=form.cleaned_data["consent_electronic_service"],
                    service_address=form.service(),
                    relative=form.relative() if isinstance(form, RelativeApplicationForm) else None,
                    authorisation=form.authorisation() if isinstance(form, RelativeApplicationForm) else None,
                    attachments=form.uploads(),
                    client_token=form.cleaned_data["client_token"],
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                return _done_redirect(request, result.application)
    else:
        form = form_class(needs_identity=person is None)
    ctx = {"form": form, "person": person, "mode": "relative" if relative else "self"}
    return render(request, "intake/apply.html", ctx)


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    return _apply(request, relative=False)


@login_required
def apply_relative(request: HttpRequest) -> HttpResponse:
    return _apply(request, relative=True)


def _staff(request: HttpRequest, action: str, mode: str) -> HttpResponse:
    user = _require(request, action)
    done = _submitted(request, user)
    if done is not None:
        return done
    if request.method == "POST":
        earlier = _earlier(request, user)
        if earlier is not None:
            return _done_redirect(request, earlier)
        form = StaffApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = staff_file(
                    user=user,
                    person=form.identity(),
                    institutions=list(form.cleaned_data["institutions"]),
                    dispute=form.dispute(),
                    consent_online_mediation=form.cleaned_data["consent_online_mediation"],
                    consent_electronic_service=form.cleaned_data["consent_electronic_service"],
                    service_address=form.service(),
                    attachments=form.uploads(),
                    client_token=form.cleaned_data["client_token"],
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                return _done_redirect(request, result.application)
    else:
        form = StaffApplicationForm()
    return render(request, "intake/apply.html", {"form": form, "mode": mode})


@login_required
def counter_new(request: HttpRequest) -> HttpResponse:
    return _staff(request, "intake.counter", "counter")


@login_required
def station_file(request: HttpRequest) -> HttpResponse:
    return _staff(request, "intake.station", "station")


# Accounts. -------------------------------------------------------------------------------

REGISTER_KEY = "intake_register"
CLAIM_KEY = "intake_claim"


def register(request: HttpRequest) -> HttpResponse:
    """Self-registration: name, ID number, phone (verified by a code) and password."""
    if request.user.is_authenticated:
        return redirect("home")
    pending = request.session.get(REGISTER_KEY)
    step = "details"
    form: Form = RegisterForm()
    if request.method == "POST" and request.POST.get("step") == "code" and pending:
        step = "code"
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                user = registration_complete(
                    name=pending["name"],
                    id_number=pending["id_number"],
                    phone=pending["phone"],
                    code=form.cleaned_data["code"],
                    password_hash=pending["password_hash"],
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                request.session.pop(REGISTER_KEY, None)
                login(request, user, backend=BACKEND)
                messages.success(request, _("Welcome. Your account is ready."))
                return redirect("intake-apply")
    elif request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                registration_start(name=d["name"], id_number=d["id_number"], phone=d["phone"])
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                # Kept until the code is entered; the session is server-side and short-lived.
                request.session[REGISTER_KEY] = {
                    "name": d["name"],
                    "id_number": d["id_number"],
                    "phone": d["phone"],
                    "password_hash": make_password(d["password1"]),
                }
                step, form = "code", CodeForm()
    ctx = {"form": form, "step": step, "phone": (pending or {}).get("phone") or request.POST.get("phone", "")}
    return render(request, "intake/register.html", ctx)


def claim(request: HttpRequest) -> HttpResponse:
    """Take over a case filed for you (at a station or the counter): case number, phone on file, code."""
    user: Any = request.user if request.user.is_authenticated else None
    if user is not None and not may(user, "intake.claim"):
        messages.info(request, _("Taking over a case is for the party it was filed for."))
        return redirect("home")
    pending = request.session.get(CLAIM_KEY)
    step = "start"
    form: Form = ClaimStartForm()
    if request.method == "POST" and request.POST.get("step") == "code" and pending:
        step = "code"
        form = ClaimCodeForm(request.POST, needs_password=user is None)
        if form.is_valid():
            try:
                account = case_claim(
                    number=pending["number"],
                    phone=pending["phone"],
                    code=form.cleaned_data["code"],
                    user=user,
                    password=form.cleaned_data.get("password1", ""),
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                request.session.pop(CLAIM_KEY, None)
                if user is None:
                    login(request, account, backend=BACKEND)
                messages.success(request, _("The case is now in your account."))
                return redirect("home")
    elif request.method == "POST":
        form = ClaimStartForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                claim_start(number=d["number"], phone=d["phone"])
            except DomainError as exc:
                add_errors(form, exc)
            else:
                # The same answer whether or not the details matched: nobody learns who is on file.
                request.session[CLAIM_KEY] = {"number": d["number"].strip(), "phone": d["phone"]}
                step, form = "code", ClaimCodeForm(needs_password=user is None)
    return render(request, "intake/claim.html", {"form": form, "step": step})

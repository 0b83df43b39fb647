"""Pages of mediation: the mediator's worklist, the pool, and the case panel's forms (POST + redirect)."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.accounts.permissions import may
from xietong.cases.definitions import TARGET_DAYS
from xietong.cases.models import Case
from xietong.core.errors import DomainError
from xietong.core.timezones import zone_label

from .forms import (
    AffordabilityForm,
    AnswerForm,
    AssignForm,
    ContactForm,
    MediatorProfileForm,
    OfferForm,
    SessionForm,
    SessionStatusForm,
    TimezoneForm,
)
from .models import MediatorProfile
from .selectors import mediator_pool, my_mediation_cases, viewer_timezone
from .services import (
    OfferTerms,
    affordability_save,
    contact_log,
    mediation_assign,
    mediator_profile_save,
    offer_answer,
    offer_make,
    person_set_timezone,
    session_schedule,
    session_set_status,
)


def _need(request: HttpRequest, action: str) -> Any:
    user: Any = request.user
    if not may(user, action):
        raise PermissionDenied
    return user


def _case(request: HttpRequest, pk: int) -> Case:
    case = Case.objects.restrict(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such case."))
    return case


def _back(case: Case) -> HttpResponse:
    return redirect(reverse("case-detail", args=[case.pk]) + "#mediation")


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}: {e}" if label else str(e))


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """My mediation cases: oldest first, overdue marked, next step and next session."""
    user = _need(request, "mediation.work")
    overdue_only = request.GET.get("overdue") == "1"
    wl = my_mediation_cases(actor=user, overdue_only=overdue_only, page=request.GET.get("page"))
    tz = zoneinfo.ZoneInfo(viewer_timezone(user))
    ctx = {
        "rows": wl.rows,
        "page": wl.page,
        "query": "overdue=1" if overdue_only else "",
        "overdue_only": overdue_only,
        "overdue_count": wl.overdue,
        "total_count": wl.total,
        "target_days": TARGET_DAYS,
        "tz": tz,
        "today": timezone.localdate(),
    }
    with timezone.override(tz):
        return render(request, "mediation/my_cases.html", ctx)


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    """The mediator pool: load against capacity, specialties, languages, overdue cases."""
    user = _need(request, "mediation.pool")
    rows = mediator_pool(actor=user)
    ctx = {
        "rows": rows,
        "may_edit": may(user, "mediation.profiles"),
        "overdue_total": sum(r.overdue for r in rows),
        "target_days": TARGET_DAYS,
    }
    return render(request, "mediation/pool.html", ctx)


@login_required
def profile_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _need(request, "mediation.profiles")
    mediator = get_object_or_404(User, pk=user_id, role=Role.MEDIATOR)
    profile = MediatorProfile.objects.filter(user=mediator).first()
    initial: dict[str, Any] = {"capacity": 20, "is_available": True, "organisation": mediator.organisation}
    if profile is not None:
        initial = {
            "organisation": profile.organisation,
            "specialties": profile.specialties,
            "languages": profile.languages,
            "capacity": profile.capacity,
            "is_available": profile.is_available,
        }
    form = MediatorProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mediator_profile_save(
                actor=actor,
                user=mediator,
                organisation=d["organisation"],
                specialties=d["specialties"],
                languages=d["languages"],
                capacity=d["capacity"],
                is_available=d["is_available"],
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The profile of %(name)s was saved.") % {"name": mediator})
            return redirect("mediation-pool")
    return render(request, "mediation/profile_form.html", {"form": form, "mediator": mediator})


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign a mediator by hand (a mediator chosen) or automatically (the auto button)."""
    actor = _need(request, "mediation.assign")
    case = _case(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    mediator = form.cleaned_data["mediator"]
    auto = request.POST.get("auto") == "1"
    if not auto and mediator is None:
        messages.error(request, _("Choose a mediator, or assign automatically."))
        return _back(case)
    try:
        assignment = mediation_assign(actor=actor, case=case, mediator=None if auto else mediator)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(
        request,
        _("%(name)s now mediates the case (%(reason)s).")
        % {"name": assignment.mediator, "reason": assignment.reason_text},
    )
    return _back(case)


@login_required
@require_POST
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _need(request, "mediation.work")
    case = _case(request, pk)
    form = ContactForm(request.POST, case=case)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    d = form.cleaned_data
    try:
        contact_log(
            actor=actor,
            case=case,
            channel=d["channel"],
            outcome=d["outcome"],
            party=d["party"],
            note=d["note"],
            next_step=d["next_step"],
            next_step_on=d["next_step_on"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The contact was logged."))
    return _back(case)


@login_required
@require_POST
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _need(request, "mediation.work")
    case = _case(request, pk)
    # The mediator types the time in their own zone.
    with timezone.override(zoneinfo.ZoneInfo(viewer_timezone(actor))):
        form = SessionForm(request.POST)
        valid = form.is_valid()
    if not valid:
        _form_errors(request, form)
        return _back(case)
    d = form.cleaned_data
    try:
        session_schedule(
            actor=actor,
            case=case,
            starts_at=d["starts_at"],
            mode=d["mode"],
            duration_minutes=d["duration_minutes"],
            meeting_link=d["meeting_link"],
            place=d["place"],
            note=d["note"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The session was scheduled."))
    return _back(case)


@login_required
@require_POST
def session_status(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    actor = _need(request, "mediation.work")
    case = _case(request, pk)
    form = SessionStatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    if not case.sessions.filter(pk=session_id).exists():
        messages.error(request, _("No such session."))
        return _back(case)
    try:
        session_set_status(actor=actor, session=session_id, status=form.cleaned_data["status"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The session was updated."))
    return _back(case)


def _terms(d: dict[str, Any]) -> OfferTerms:
    return OfferTerms(
        total=d["total"],
        instalments=d["instalments"],
        first_payment_on=d["first_payment_on"],
        waived=d.get("waived") or Decimal("0"),
        note=d.get("note", ""),
    )


@login_required
@require_POST
def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _need(request, "mediation.offer")
    case = _case(request, pk)
    form = OfferForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        offer_make(actor=actor, case=case, terms=_terms(form.cleaned_data), side=form.cleaned_data["side"] or None)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The offer was recorded; the other side can now answer it."))
    return _back(case)


@login_required
@require_POST
def offer_answer_view(request: HttpRequest, pk: int, offer_id: int) -> HttpResponse:
    actor = _need(request, "mediation.offer")
    case = _case(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    if not case.offers.filter(pk=offer_id).exists():
        messages.error(request, _("No such offer."))
        return _back(case)
    answer = form.cleaned_data["answer"]
    counter = None
    if answer == "counter":
        cform = OfferForm(request.POST, prefix="counter")
        if not cform.is_valid():
            _form_errors(request, cform)
            return _back(case)
        counter = _terms(cform.cleaned_data)
    try:
        result = offer_answer(actor=actor, offer=offer_id, answer=answer, counter=counter)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    if answer == "counter":
        messages.success(request, _("Your counter-offer was recorded."))
    else:
        messages.success(request, _("The offer is now %(status)s.") % {"status": result.get_status_display()})
    return _back(case)


@login_required
@require_POST
def affordability_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _need(request, "mediation.work")
    case = _case(request, pk)
    form = AffordabilityForm(request.POST, case=case)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    d = form.cleaned_data
    try:
        sheet = affordability_save(
            actor=actor,
            case=case,
            person=d["person"],
            monthly_income=d["monthly_income"],
            monthly_expenses=d["monthly_expenses"],
            other_debts=d["other_debts"],
            dependants=d["dependants"],
            note=d["note"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(
        request,
        _("Worksheet saved: %(monthly)s yuan a month over %(months)s months.")
        % {"monthly": sheet.suggested_monthly, "months": sheet.suggested_months},
    )
    return _back(case)


@login_required
@require_POST
def timezone_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's mediator sets a person's time zone; a party sets their own."""
    actor = _need(request, "mediation.timezone")
    case = _case(request, pk)
    form = TimezoneForm(request.POST, case=case)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        person = person_set_timezone(
            actor=actor, case=case, person=form.cleaned_data["person"], tz=form.cleaned_data["timezone"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(
        request,
        _("Times are now shown to %(name)s in %(tz)s.") % {"name": person.name, "tz": zone_label(person.timezone)},
    )
    return _back(case)

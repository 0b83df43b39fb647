"""Webhook pages: an institution's endpoints (/webhooks/) and each endpoint's delivery log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xietong.accounts.permissions import may
from xietong.core.errors import DomainError, NotAllowed, NotFound

from .forms import EndpointForm
from .selectors import deliveries_of, delivery_get, endpoint_get, endpoints_visible, may_manage_webhooks
from .services import delivery_replay, endpoint_create, endpoint_delete, endpoint_toggle

SECRET_SESSION_KEY = "webhook_new_secret"  # noqa: S105 - a session key name


def _manager(request: HttpRequest) -> Any:
    if not may_manage_webhooks(request.user):
        raise PermissionDenied
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """The institution's endpoints (the center: every institution's) and the form to add one."""
    actor = _manager(request)
    is_admin = may(actor, "webhooks.any_institution")
    form = EndpointForm(request.POST or None, choose_institution=is_admin)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            endpoint, created = endpoint_create(
                actor=actor, url=d["url"], organisation=d.get("organisation"), client_token=d["client_token"]
            )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from None
        except DomainError as exc:
            form.add_error("url", str(exc.message))
        else:
            if created:
                # Shown once, on the next page, then forgotten by the session.
                request.session[SECRET_SESSION_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}
                messages.success(request, _("The endpoint is registered."))
            return redirect("webhooks")
    new_secret = request.session.pop(SECRET_SESSION_KEY, None) if request.method == "GET" else None
    endpoints = list(endpoints_visible(actor=actor)[:200])
    return render(
        request,
        "webhooks/list.html",
        {"form": form, "endpoints": endpoints, "new_secret": new_secret, "is_admin": is_admin},
    )


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    endpoint = endpoint_get(actor=actor, pk=pk)
    if endpoint is None:
        raise Http404
    try:
        endpoint_delete(actor=actor, endpoint=endpoint)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The endpoint is removed: it receives no more events."))
    return redirect("webhooks")


@login_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch an endpoint on or off (the form says which: a double click changes nothing twice)."""
    actor = _manager(request)
    endpoint = endpoint_get(actor=actor, pk=pk)
    if endpoint is None:
        raise Http404
    active = request.POST.get("active") == "1"
    try:
        endpoint_toggle(actor=actor, endpoint=endpoint, active=active)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if active:
            messages.success(request, _("The endpoint is switched on: it receives events again."))
        else:
            messages.success(request, _("The endpoint is switched off: it receives no events until switched on."))
    return redirect("webhooks")


@login_required
def webhook_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    endpoint = endpoint_get(actor=actor, pk=pk)
    if endpoint is None:
        raise Http404
    status = request.GET.get("status", "")
    deliveries = deliveries_of(actor=actor, endpoint=endpoint)
    from .choices import DeliveryStatus

    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "webhooks/deliveries.html",
        {
            "endpoint": endpoint,
            "deliveries": list(deliveries[:200]),
            "status": status,
            "statuses": DeliveryStatus.choices,
        },
    )


@login_required
@require_POST
def webhook_replay(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    delivery = delivery_get(actor=actor, pk=pk)
    if delivery is None:
        raise Http404
    try:
        delivery_replay(actor=actor, delivery=delivery)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The event is being sent again with a new signature."))
    return redirect("webhook-deliveries", pk=delivery.endpoint_id)

"""API for an institution's systems: register webhook endpoints and read their delivery log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from xietong.accounts.models import Organisation
from xietong.core.api import ERRORS
from xietong.core.errors import NotAllowed, NotFound

from .models import WebhookDelivery, WebhookEndpoint
from .schemas import DeliveryOut, EndpointCreatedOut, EndpointIn, EndpointOut, EndpointToggleIn
from .selectors import deliveries_of, delivery_get, endpoint_get, endpoints_visible, may_manage_webhooks
from .services import delivery_replay, endpoint_create, endpoint_delete, endpoint_toggle

router = Router(tags=["webhooks"])


def _manager(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not may_manage_webhooks(actor):
        raise NotAllowed(_("Webhooks are managed by the institution's operators and the center."))
    return actor


def _endpoint(request: HttpRequest, pk: int) -> tuple[Any, WebhookEndpoint]:
    actor = _manager(request)
    endpoint = endpoint_get(actor=actor, pk=pk)
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return actor, endpoint


def _out(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.pk,
        "url": e.url,
        "organisation_id": e.organisation_id,
        "is_active": e.is_active,
        "secret_masked": e.secret_masked,
        "created_at": e.created_at,
    }


def _delivery_out(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "replays": d.replays,
        "next_attempt_at": d.next_attempt_at,
        "last_attempt_at": d.last_attempt_at,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at,
        "created_at": d.created_at,
        "payload": d.payload,
    }


@router.get("", response={200: list[EndpointOut], **ERRORS}, summary="Your institution's webhook endpoints")
def webhooks_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _manager(request)
    return [_out(e) for e in endpoints_visible(actor=actor)[:200]]


@router.post(
    "",
    response={201: EndpointCreatedOut, **ERRORS},
    summary="Register an endpoint; the signing secret is in this response only",
)
def webhooks_create(request: HttpRequest, body: EndpointIn) -> tuple[int, dict[str, Any]]:
    actor = _manager(request)
    organisation = None
    if body.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=body.organisation_id).first()
        if organisation is None:
            raise NotFound(_("No such institution."))
    endpoint, _created = endpoint_create(actor=actor, url=body.url, organisation=organisation)
    return 201, {**_out(endpoint), "secret": endpoint.secret}


@router.get("/{pk}", response={200: EndpointOut, **ERRORS}, summary="One webhook endpoint")
def webhooks_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    _actor, endpoint = _endpoint(request, pk)
    return _out(endpoint)


@router.delete("/{pk}", response={204: None, **ERRORS}, summary="Remove an endpoint and its delivery log")
def webhooks_delete(request: HttpRequest, pk: int) -> tuple[int, None]:
    actor, endpoint = _endpoint(request, pk)
    endpoint_delete(actor=actor, endpoint=endpoint)
    return 204, None


@router.post(
    "/{pk}/toggle",
    response={200: EndpointOut, **ERRORS},
    summary="Switch an endpoint on or off",
    description=(
        '`{"active": false}` stops every delivery to the endpoint (none is created while it is off; '
        'pending ones wait); `{"active": true}` switches it on again after checking its URL. '
        "Setting the state it already has changes nothing."
    ),
    operation_id="webhooks_toggle",
    url_name="webhooks_toggle",
)
def webhooks_toggle(request: HttpRequest, pk: int, body: EndpointToggleIn) -> dict[str, Any]:
    actor, endpoint = _endpoint(request, pk)
    return _out(endpoint_toggle(actor=actor, endpoint=endpoint, active=body.active))


@router.get(
    "/{pk}/deliveries", response={200: list[DeliveryOut], **ERRORS}, summary="An endpoint's deliveries, newest first"
)
def webhooks_deliveries(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    actor, endpoint = _endpoint(request, pk)
    return [_delivery_out(d) for d in deliveries_of(actor=actor, endpoint=endpoint)[:200]]


@router.post(
    "/deliveries/{pk}/replay",
    response={202: DeliveryOut, **ERRORS},
    summary="Send a delivery's event again (same id and body, new timestamp and signature)",
)
def webhooks_replay(request: HttpRequest, pk: int) -> tuple[int, dict[str, Any]]:
    actor = _manager(request)
    delivery = delivery_get(actor=actor, pk=pk)
    if delivery is None:
        raise NotFound(_("No such delivery."))
    delivery_replay(actor=actor, delivery=delivery)
    delivery.refresh_from_db()
    return 202, _delivery_out(delivery)

"""Writes for webhooks: endpoints, the deliveries of case events, sending and replaying them.

Design of delivery (works with one `db_worker` and in tests with the ImmediateBackend):
every event becomes one `WebhookDelivery` row per active endpoint, committed with a due
`next_attempt_at`; then the `deliver_webhook` task is enqueued for it. An attempt first *claims*
the row with a conditional UPDATE (due and not finished → pushed CLAIM_SECONDS ahead), so two
runners never send the same attempt. A failed attempt stores the back-off time in
`next_attempt_at` (status `failed`), and — when the task backend supports deferred tasks (the
database backend) — enqueues the task again with `run_after`. Backends without deferral (the
ImmediateBackend of the tests) never loop: the retry simply waits in the table. The command
`manage.py deliver_webhooks` (run it every minute from cron or a systemd timer) sends every due
delivery: a safety net for lost tasks, and the retry mechanism where tasks cannot be deferred.

Address guard (SSRF): an endpoint's host must be, and resolve to, public addresses only
(`url_refusal`), checked at registration, when switched on, and before every attempt; the attempt
then connects to the address just checked (no second lookup) and never follows a redirect. An
endpoint switched off (`endpoint_toggle`) gets no delivery; pending ones wait until it is on again.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import uuid
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.core.errors import DomainError, NotAllowed, NotFound

from .choices import (
    BACKOFF_SECONDS,
    CLAIM_SECONDS,
    EVENT_CASE_STATE_CHANGED,
    MAX_ATTEMPTS,
    RESPONSE_EXCERPT_CHARS,
    TIMEOUT_SECONDS,
    DeliveryStatus,
)
from .models import WebhookDelivery, WebhookEndpoint
from .signing import signature

logger = logging.getLogger(__name__)

OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def local_http_allowed() -> bool:
    """Plain http to 127.0.0.1/localhost: in DEBUG (the demo) or when a setting allows it (tests)."""
    return bool(getattr(settings, "XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP", settings.DEBUG))


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Private, loopback, link-local, multicast, reserved, unspecified or shared: not on the internet."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address] | None:
    """The addresses a host name resolves to (literal IPs in any form included), or None when it does not."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    found = []
    for info in infos:
        try:
            found.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    return found or None


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def url_refusal(url: str) -> tuple[str, str] | None:
    """(code, message) saying why the platform must not POST to this URL (SSRF guard), or None.

    Refused: a host that is, or resolves to, an address outside the public internet (private,
    loopback, link-local such as 169.254.169.254, multicast, reserved), in any notation
    (``http://2130706433/``, ``http://0x7f.1/``, ``http://[::1]/``); plain http. Loopback, and plain
    http to it, only when `local_http_allowed()` (the demo and the tests). A name that does not
    resolve now is not refused here: it is checked again before every delivery, because DNS can change.
    """
    return _check(url)[0]


def _check(url: str) -> tuple[tuple[str, str] | None, list[Address]]:
    """The refusal (or None) and the addresses checked: a delivery connects to one of those, no other."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ("webhook_url", _("The URL's port is not valid.")), []
    try:
        literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        literal = None
    addresses = [literal] if literal is not None else _addresses(host, port)
    loopback_only = bool(addresses) and all(
        (a.ipv4_mapped or a).is_loopback if isinstance(a, ipaddress.IPv6Address) else a.is_loopback
        for a in addresses or []
    )
    local = loopback_only and local_http_allowed()
    for address in addresses or []:
        if _blocked(address) and not local:
            message = _(
                "The address %(host)s is not on the public internet (%(ip)s): events are only sent to public addresses."
            ) % {"host": host, "ip": address}
            return ("webhook_address", message), []
    if parts.scheme != "https" and not local:
        return ("webhook_https", _("The URL must use https.")), []
    return None, list(addresses or [])


def validate_endpoint_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(_("Enter a full URL starting with https://."), code="webhook_url")
    if parts.username or parts.password:
        raise DomainError(_("The URL must not contain a user name or password."), code="webhook_url")
    refusal = url_refusal(url)
    if refusal is not None:
        raise DomainError(refusal[1], code=refusal[0])
    return url


def _institution_for(actor: Any, organisation: Organisation | None) -> Organisation:
    if not may(actor, "webhooks.manage"):
        raise NotAllowed(_("Webhooks are managed by the institution's operators and the center."))
    if may(actor, "webhooks.any_institution"):
        if organisation is None or organisation.kind != OrganisationKind.INSTITUTION:
            raise DomainError(_("Choose the institution the endpoint belongs to."), code="webhook_institution")
        return organisation
    if organisation is not None and organisation.pk != actor.organisation_id:
        raise NotFound(_("No such institution."))
    return actor.organisation


@transaction.atomic
def endpoint_create(
    *, actor: Any, url: str, organisation: Organisation | None = None, client_token: str | None = None
) -> tuple[WebhookEndpoint, bool]:
    """Register an endpoint; returns (endpoint, created). A repeated `client_token` returns the first one."""
    institution = _institution_for(actor, organisation)
    if client_token:
        earlier = WebhookEndpoint.objects.filter(client_token=client_token, organisation=institution).first()
        if earlier is not None:
            return earlier, False
    url = validate_endpoint_url(url)
    endpoint = WebhookEndpoint(
        organisation=institution,
        url=url,
        secret=_new_secret(),
        created_by=actor if getattr(actor, "actor_kind", "") == "user" else None,
        created_by_label=str(getattr(actor, "audit_label", "") or actor)[:200],
        client_token=client_token or None,
    )
    try:
        endpoint.full_clean(exclude=["client_token", "created_by"])
    except ValidationError as exc:
        raise DomainError(_("Enter a valid URL."), code="webhook_url", details=exc.message_dict) from None
    endpoint.save()
    audit_record(
        actor=actor,
        action=AuditAction.WEBHOOK_CREATE,
        obj=endpoint,
        after={"url": endpoint.url, "organisation_id": institution.pk},
    )
    return endpoint, True


@transaction.atomic
def endpoint_delete(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log (the audit trail keeps the record)."""
    from .selectors import endpoint_get

    if endpoint_get(actor=actor, pk=endpoint.pk) is None:
        raise NotFound(_("No such webhook endpoint."))
    audit_record(
        actor=actor,
        action=AuditAction.WEBHOOK_DELETE,
        obj=endpoint,
        before={"url": endpoint.url, "organisation_id": endpoint.organisation_id},
    )
    endpoint.delete()


@transaction.atomic
def endpoint_toggle(*, actor: Any, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Switch an endpoint on or off. Off: no delivery is created for it and pending ones wait.

    Switching on checks the URL again (the address guard may refuse what it accepted before).
    Setting the state it already has changes nothing and writes no audit entry (a double click).
    """
    from .selectors import endpoints_visible

    locked = endpoints_visible(actor=actor).select_for_update(of=("self",)).filter(pk=endpoint.pk).first()
    if locked is None:
        raise NotFound(_("No such webhook endpoint."))
    if locked.is_active == active:
        return locked
    if active:
        validate_endpoint_url(locked.url)
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.WEBHOOK_TOGGLE,
        obj=locked,
        before={"is_active": not active},
        after={"is_active": active, "url": locked.url},
    )
    if active:
        transaction.on_commit(partial(_enqueue_due, locked.pk))
    return locked


def _enqueue_due(endpoint_id: int) -> None:
    """After switching on: send what waited while the endpoint was off."""
    due = WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id, status__in=OPEN_STATUSES, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:500]
    for pk in list(due):
        enqueue_delivery(pk)


# Events ---------------------------------------------------------------------------------------


def case_event_body(*, event_id: uuid.UUID, case: Any, transition: str, from_state: str, to_state: str) -> str:
    """The event: no personal data, only what the institution already knows about its own case."""
    payload = {
        "id": str(event_id),
        "type": EVENT_CASE_STATE_CHANGED,
        "occurred_at": timezone.now().isoformat(),
        "case": {
            "id": case.pk,
            "number": case.number,
            "state": to_state,
            "previous_state": from_state,
            "transition": transition,
        },
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliveries_for_transition(*, case_id: int, transition: str, from_state: str, to_state: str) -> list[int]:
    """One delivery per active endpoint of every institution party of the case; returns their ids."""
    from xietong.cases.models import Case, CaseParty

    institutions = CaseParty.objects.filter(case_id=case_id, organisation__kind=OrganisationKind.INSTITUTION).values(
        "organisation_id"
    )
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True, organisation_id__in=institutions))
    if not endpoints:
        return []
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return []
    event_id = uuid.uuid4()
    body = case_event_body(
        event_id=event_id, case=case, transition=transition, from_state=from_state, to_state=to_state
    )
    now = timezone.now()
    with transaction.atomic():
        rows = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=e,
                    event_id=event_id,
                    event_type=EVENT_CASE_STATE_CHANGED,
                    case_id=case_id,
                    body=body,
                    next_attempt_at=now,
                )
                for e in endpoints
            ]
        )
    return [r.pk for r in rows]


def case_event_emit(*, case_id: int, event_type: str, data: dict[str, Any]) -> list[int]:
    """Another kind of case event (e.g. `instalment.paid` from repayment) for every active endpoint of
    the case's institution parties. Call it inside the transaction of the change: the deliveries are
    written with it (and vanish if it rolls back); they are sent after it commits. No personal data in `data`."""
    from xietong.cases.models import Case, CaseParty

    institutions = CaseParty.objects.filter(case_id=case_id, organisation__kind=OrganisationKind.INSTITUTION).values(
        "organisation_id"
    )
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True, organisation_id__in=institutions))
    case = Case.objects.filter(pk=case_id).first()
    if not endpoints or case is None:
        return []
    event_id = uuid.uuid4()
    body = json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "occurred_at": timezone.now().isoformat(),
            "case": {"id": case.pk, "number": case.number, "state": case.state},
            "data": data,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=e, event_id=event_id, event_type=event_type, case_id=case_id, body=body, next_attempt_at=now
            )
            for e in endpoints
        ]
    )
    ids = [r.pk for r in rows]

    def enqueue_all() -> None:
        for pk in ids:
            enqueue_delivery(pk)

    transaction.on_commit(enqueue_all)
    return ids


def on_cases_transition(case_ids: list[int], transition: str, from_state: str, to_state: str) -> None:
    """The same for many cases at once (a batch's triage): nothing to do unless someone listens."""
    from xietong.cases.models import Case

    institutions = Case.objects.filter(pk__in=case_ids).values("institution_id")
    if not WebhookEndpoint.objects.filter(organisation_id__in=institutions, is_active=True).exists():
        return  # nobody listens: skip a query per case
    for case_id in case_ids:
        on_case_transition(case_id, transition, from_state, to_state)


def on_case_transition(case_id: int, transition: str, from_state: str, to_state: str) -> None:
    """The case's transition receiver (cases.registry, called after the transition commits)."""
    try:
        ids = deliveries_for_transition(
            case_id=case_id, transition=transition, from_state=from_state, to_state=to_state
        )
        for pk in ids:
            enqueue_delivery(pk)
    except Exception:  # a webhook problem must never break the case's own request
        logger.exception("webhook deliveries for case %s could not be queued", case_id)


def enqueue_delivery(pk: int, run_after: dt.datetime | None = None) -> None:
    from .tasks import deliver_webhook

    task = deliver_webhook
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # waits in the table for `manage.py deliver_webhooks`
        task = task.using(run_after=run_after)
    try:
        task.enqueue(pk)
    except Exception:
        logger.exception("webhook delivery %s could not be enqueued; the sweep will send it", pk)


# Sending --------------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Wait after `attempts` failed attempts (1 → 1 min, 2 → 5 min, ... then 12 h)."""
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def _claim(pk: int, now: dt.datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            pk=pk, status__in=OPEN_STATUSES, next_attempt_at__lte=now, endpoint__is_active=True
        ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )


def _post(url: str, secret: str, delivery: WebhookDelivery, address: Address) -> tuple[int | None, str, str]:
    """POST once to the address that was checked (no second DNS lookup: no rebinding between the check
    and the connection; TLS still verifies the certificate for the URL's host name). Redirects are
    answers, never followed. Returns (status code or None, error text, response excerpt)."""
    body = delivery.body.encode()
    timestamp = str(int(timezone.now().timestamp()))
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if https:
        conn = http.client.HTTPSConnection(
            parts.hostname or "", port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", port, timeout=TIMEOUT_SECONDS)
    pinned = str(address)

    def connect(addr: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
        return socket.create_connection((pinned, addr[1]), timeout, source_address)

    setattr(conn, "_create_connection", connect)  # noqa: B010 - http.client's hook for opening the socket
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Xietong-Webhooks/1",
        "X-Xietong-Event": delivery.event_type,
        "X-Xietong-Delivery": str(delivery.event_id),
        "X-Xietong-Timestamp": timestamp,
        "X-Xietong-Signature": signature(secret, timestamp, body),
    }
    try:
        conn.request("POST", target, body=body, headers=headers)
        resp = conn.getresponse()
        excerpt = resp.read(RESPONSE_EXCERPT_CHARS * 4).decode("utf-8", "replace")
        code = resp.status
        return code, "" if 200 <= code < 300 else f"HTTP {code}", excerpt
    except Exception as exc:  # timeouts, refused connections, TLS errors
        return None, f"{type(exc).__name__}: {exc}"[:300], ""
    finally:
        conn.close()


def delivery_attempt(*, pk: int) -> WebhookDelivery | None:
    """Send one due delivery once and record the outcome. None when it was not due (or gone)."""
    now = timezone.now()
    if not _claim(pk, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    endpoint = delivery.endpoint
    refusal, addresses = _check(endpoint.url)  # again at every attempt: DNS may have changed since registration
    if refusal is not None:
        code, error, excerpt = None, (_("Not sent: %(reason)s") % {"reason": refusal[1]})[:300], ""
    elif not addresses:
        code, error, excerpt = None, _("Not sent: the host name does not resolve."), ""
    else:
        code, error, excerpt = _post(endpoint.url, endpoint.secret, delivery, addresses[0])
    done = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = done
    delivery.last_status_code = code
    delivery.last_error = error
    delivery.response_excerpt = excerpt[:RESPONSE_EXCERPT_CHARS]
    retry_at = None
    if code is not None and 200 <= code < 300:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = done
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.GIVING_UP
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.FAILED
        retry_at = done + backoff(delivery.attempts)
        delivery.next_attempt_at = retry_at
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "response_excerpt",
            "status",
            "delivered_at",
            "next_attempt_at",
            "updated_at",
        ]
    )
    if retry_at is not None:
        enqueue_delivery(delivery.pk, run_after=retry_at)
    return delivery


def deliveries_send_due(*, limit: int = 500) -> int:
    """Send every due delivery (the sweep). Returns how many attempts were made."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now, endpoint__is_active=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if delivery_attempt(pk=pk) is not None)


@transaction.atomic
def delivery_replay(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event (same id, same body) again, with a new timestamp and signature."""
    from .selectors import delivery_get

    if delivery_get(actor=actor, pk=delivery.pk) is None:
        raise NotFound(_("No such delivery."))
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    before = {"status": locked.status, "attempts": locked.attempts}
    locked.status = DeliveryStatus.PENDING
    locked.attempts = 0
    locked.replays += 1
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "replays", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.WEBHOOK_REPLAY,
        obj=locked,
        before=before,
        after={"event_id": str(locked.event_id), "endpoint_id": locked.endpoint_id, "replays": locked.replays},
    )
    transaction.on_commit(lambda: enqueue_delivery(locked.pk))
    return locked

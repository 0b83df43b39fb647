"""The address guard (no event to a private, loopback or metadata address) and the on/off switch."""

from __future__ import annotations

import json
import socket

import pytest
from django.test import Client
from django.utils import translation

from xietong.audit.models import AuditEntry
from xietong.cases.services import case_start_mediation
from xietong.core.errors import DomainError
from xietong.webhooks.choices import DeliveryStatus
from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint
from xietong.webhooks.services import (
    delivery_attempt,
    endpoint_create,
    endpoint_toggle,
    url_refusal,
    validate_endpoint_url,
)

pytestmark = pytest.mark.django_db

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture(autouse=True)
def english():
    """The messages below are compared in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def no_local(settings):
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    settings.DEBUG = False


@pytest.fixture
def dns(monkeypatch):
    """A fake DNS: names in the dict resolve to their address; the rest as the system resolves them."""
    table: dict[str, str] = {}

    def fake(host, port, *args, **kwargs):
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return table


BLOCKED = [
    "https://127.0.0.1/hook",
    "https://127.0.0.2:8443/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",  # multicast
    "https://240.0.0.1/hook",  # reserved
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "https://localhost/hook",  # a name resolving to 127.0.0.1
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "https://2130706433/",
    "https://0x7f.1/hook",  # hexadecimal, short form
    "https://127.1/hook",
    "https://017700000001/hook",  # octal
]


@pytest.mark.parametrize("url", BLOCKED)
def test_private_loopback_link_local_and_odd_notations_are_refused(no_local, url):
    with pytest.raises(DomainError) as exc:
        validate_endpoint_url(url)
    assert exc.value.code in ("webhook_address", "webhook_https")
    assert url_refusal(url) is not None


def test_a_public_name_resolving_to_a_private_address_is_refused(no_local, dns):
    dns["hooks.bank.example"] = "10.0.0.5"
    dns["rebind.bank.example"] = "169.254.169.254"
    dns["v6.bank.example"] = "::1"
    dns["good.bank.example"] = "203.0.113.10"  # TEST-NET-3 is not global either
    dns["public.bank.example"] = "8.8.8.8"
    for host in ("hooks", "rebind", "v6", "good"):
        with pytest.raises(DomainError) as exc:
            validate_endpoint_url(f"https://{host}.bank.example/in")
        assert exc.value.code == "webhook_address"
        assert "not on the public internet" in str(exc.value.message)
    assert validate_endpoint_url("https://public.bank.example/in") == "https://public.bank.example/in"
    with pytest.raises(DomainError) as exc:
        validate_endpoint_url("http://public.bank.example/in")  # public, but plain http
    assert exc.value.code == "webhook_https"


def test_registration_through_the_api_and_the_page_refuses_them_and_stores_nothing(world, no_local):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    resp = api.post("/api/v1/webhooks", {"url": "https://169.254.169.254/x"}, content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "webhook_address"
    web = Client()
    web.force_login(world.users["bank"])
    resp = web.post("/webhooks/", {"url": "https://[::1]/x", "client_token": "g1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200 and "not on the public internet" in resp.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_local_http_is_allowed_to_loopback_only_when_the_setting_says_so(settings):
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = True
    for url in ("http://127.0.0.1:8000/x", "http://localhost:8000/x", "http://[::1]:8000/x"):
        assert validate_endpoint_url(url) == url
    for url in ("http://10.0.0.1/x", "https://169.254.169.254/x", "https://192.168.0.1/x"):
        with pytest.raises(DomainError):
            validate_endpoint_url(url)


def test_at_delivery_time_a_name_now_resolving_to_a_private_address_is_not_posted(
    world, receiver, settings, dns, django_capture_on_commit_callbacks
):
    """DNS can change after registration: the guard runs again before each attempt."""
    dns["hooks.bank.example"] = "93.184.216.34"
    endpoint, _ = endpoint_create(actor=world.users["bank"], url="https://hooks.bank.example/in")
    dns["hooks.bank.example"] = "127.0.0.1"  # rebinding
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("Not sent:") and "127.0.0.1" in delivery.last_error
    assert receiver.received == []


def test_a_redirect_is_not_followed(world, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = endpoint_create(actor=world.users["bank"], url=receiver.url)
    receiver.answers.append(302)
    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 302
    assert len(receiver.received) == 1


# The switch ---------------------------------------------------------------------------------------


def test_an_endpoint_switched_off_gets_no_delivery_and_switching_is_audited(
    world, receiver, django_capture_on_commit_callbacks
):
    on, _ = endpoint_create(actor=world.users["bank"], url=receiver.url + "/on")
    off, _ = endpoint_create(actor=world.users["bank"], url=receiver.url + "/off")
    endpoint_toggle(actor=world.users["bank"], endpoint=off, active=False)
    endpoint_toggle(actor=world.users["bank"], endpoint=off, active=False)  # a double click: nothing more
    off.refresh_from_db()
    assert off.is_active is False
    entries = AuditEntry.objects.filter(action="webhook.toggle", object_id=str(off.pk))
    assert entries.count() == 1
    assert entries.get().after["is_active"] is False

    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    assert WebhookDelivery.objects.filter(endpoint=on).count() == 1
    assert not WebhookDelivery.objects.filter(endpoint=off).exists()
    assert [r["path"] for r in receiver.received] == ["/hook/on"]

    endpoint_toggle(actor=world.users["bank"], endpoint=off, active=True)
    assert AuditEntry.objects.filter(action="webhook.toggle", object_id=str(off.pk)).count() == 2


def test_pending_deliveries_wait_while_off_and_go_when_switched_on(world, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = endpoint_create(actor=world.users["bank"], url=receiver.url)
    receiver.answers.append(500)
    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    endpoint_toggle(actor=world.users["bank"], endpoint=endpoint, active=False)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert delivery_attempt(pk=delivery.pk) is None  # off: not sent
    assert len(receiver.received) == 1
    with django_capture_on_commit_callbacks(execute=True):
        endpoint_toggle(actor=world.users["bank"], endpoint=endpoint, active=True)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.received) == 2


def test_switching_on_checks_the_url_again(world, settings):
    endpoint, _ = endpoint_create(actor=world.users["bank"], url="http://127.0.0.1:9/x")
    endpoint_toggle(actor=world.users["bank"], endpoint=endpoint, active=False)
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    settings.DEBUG = False
    with pytest.raises(DomainError):
        endpoint_toggle(actor=world.users["bank"], endpoint=endpoint, active=True)
    endpoint.refresh_from_db()
    assert endpoint.is_active is False


def test_switch_page_and_api_are_scoped_to_the_institution(world):
    endpoint, _ = endpoint_create(actor=world.users["bank"], url="https://hooks.psbc.example/in")
    other = Client()
    other.force_login(world.users["other_bank"])
    assert other.post(f"/webhooks/{endpoint.pk}/toggle/", {"active": "0"}).status_code == 404
    other_api = Client(HTTP_AUTHORIZATION=f"Bearer {world.other_api_token}")
    resp = other_api.post(f"/api/v1/webhooks/{endpoint.pk}/toggle", {"active": False}, content_type="application/json")
    assert resp.status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_active is True

    web = Client()
    web.force_login(world.users["bank"])
    page = web.get("/webhooks/").content.decode()
    assert 'data-testid="webhook-switch-off"' in page
    resp = web.post(f"/webhooks/{endpoint.pk}/toggle/", {"active": "0"})
    assert resp.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert 'data-testid="webhook-switch-on"' in web.get("/webhooks/").content.decode()

    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    resp = api.post(f"/api/v1/webhooks/{endpoint.pk}/toggle", {"active": True}, content_type="application/json")
    assert resp.status_code == 200
    assert json.loads(resp.content)["is_active"] is True
    actors = list(
        AuditEntry.objects.filter(action="webhook.toggle", object_id=str(endpoint.pk))
        .order_by("seq")
        .values_list("actor_kind", flat=True)
    )
    assert actors == ["user", "api_client"]


def test_the_post_goes_to_the_address_that_was_checked(
    world, receiver, dns, monkeypatch, django_capture_on_commit_callbacks
):
    """One lookup per attempt, then a connection to that very address: no rebinding in between."""
    port = receiver.url.split(":")[2].split("/")[0]
    dns["hooks.bank.example"] = "127.0.0.1"
    endpoint, _ = endpoint_create(actor=world.users["bank"], url=f"http://hooks.bank.example:{port}/hook")
    lookups: list[str] = []
    fake = socket.getaddrinfo

    def counting(host, *args, **kwargs):
        lookups.append(host)
        return fake(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.last_error
    assert lookups.count("hooks.bank.example") == 1
    assert receiver.received[0]["headers"]["Host"] == f"hooks.bank.example:{port}"


def test_a_name_that_no_longer_resolves_is_not_sent(world, dns, django_capture_on_commit_callbacks):
    dns["gone.bank.example"] = "93.184.216.34"
    endpoint, _ = endpoint_create(actor=world.users["bank"], url="https://gone.bank.example/in")
    del dns["gone.bank.example"]  # now answered by the real resolver: no such name
    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED and "does not resolve" in delivery.last_error

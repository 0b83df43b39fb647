from __future__ import annotations

import pytest
from django.test import Client

from xietong.audit.models import AuditEntry
from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint
from xietong.webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def login(world, who):
    c = Client()
    c.force_login(world.users[who])
    return c


def token_client(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def endpoint_with_delivery(world, receiver, capture):
    from xietong.cases.services import case_start_mediation

    endpoint, _ = endpoint_create(actor=world.users["bank"], url=receiver.url)
    with capture(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    return endpoint, WebhookDelivery.objects.get(endpoint=endpoint)


def test_operator_registers_an_endpoint_and_sees_the_secret_once(world):
    c = login(world, "bank")
    page = c.get("/webhooks/")
    assert page.status_code == 200
    token = page.context["form"].initial["client_token"]
    data = {"url": "https://hooks.psbc.example/in", "client_token": token}
    resp = c.post("/webhooks/", data)
    assert resp.status_code == 302
    resp2 = c.post("/webhooks/", data)  # a double click: still one endpoint
    assert resp2.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organisation == world.bank and endpoint.created_by == world.users["bank"]
    shown = c.get("/webhooks/").content.decode()
    assert endpoint.secret in shown
    again = c.get("/webhooks/").content.decode()
    assert endpoint.secret not in again and endpoint.secret_masked in again
    assert AuditEntry.objects.filter(action="webhook.create").count() == 1
    # The other bank sees none of it.
    other = login(world, "other_bank").get("/webhooks/").content.decode()
    assert "hooks.psbc.example" not in other and "webhook-endpoint" not in other


def test_bad_url_is_refused_with_a_message(world, settings):
    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = False
    c = login(world, "bank")
    resp = c.post("/webhooks/", {"url": "http://bank.example/hook", "client_token": "t1"})
    assert resp.status_code == 200 and "url" in resp.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_center_admin_registers_for_an_institution(world):
    c = login(world, "admin")
    resp = c.post("/webhooks/", {"url": "https://x.example/h", "client_token": "t2"})
    assert resp.status_code == 200 and not WebhookEndpoint.objects.exists()  # institution required
    resp = c.post("/webhooks/", {"url": "https://x.example/h", "client_token": "t2", "organisation": world.bank.pk})
    assert resp.status_code == 302
    assert WebhookEndpoint.objects.get().organisation == world.bank


def test_delivery_log_and_replay_permissions(world, receiver, django_capture_on_commit_callbacks):
    endpoint, delivery = endpoint_with_delivery(world, receiver, django_capture_on_commit_callbacks)
    log = f"/webhooks/{endpoint.pk}/deliveries/"
    replay = f"/webhooks/deliveries/{delivery.pk}/replay/"
    page = login(world, "bank").get(log)
    assert page.status_code == 200
    body = page.content.decode()
    assert str(delivery.event_id) in body and "200" in body
    assert login(world, "admin").get(log).status_code == 200
    assert login(world, "other_bank").get(log).status_code == 404
    assert login(world, "other_bank").post(replay).status_code == 404
    assert login(world, "other_bank").post(f"/webhooks/{endpoint.pk}/delete/").status_code == 404
    for who in ("regulator", "clerk", "mediator", "party"):
        assert login(world, who).get(log).status_code == 403, who
        assert login(world, who).post(replay).status_code == 403, who
        assert login(world, who).get("/webhooks/").status_code == 403, who
    assert Client().get(log).status_code == 302
    assert len(receiver.received) == 1

    with django_capture_on_commit_callbacks(execute=True):
        resp = login(world, "bank").post(replay)
    assert resp.status_code == 302
    assert len(receiver.received) == 2
    assert AuditEntry.objects.filter(action="webhook.replay").count() == 1

    resp = login(world, "bank").post(f"/webhooks/{endpoint.pk}/delete/")
    assert resp.status_code == 302 and not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.filter(action="webhook.delete").count() == 1


def test_api_is_scoped_to_the_clients_institution(world, receiver, django_capture_on_commit_callbacks):
    mine = token_client(world.api_token)
    theirs = token_client(world.other_api_token)
    resp = mine.post("/api/v1/webhooks", {"url": receiver.url}, content_type="application/json")
    assert resp.status_code == 201, resp.content
    created = resp.json()
    assert created["secret"].startswith("whsec_") and created["organisation_id"] == world.bank.pk
    pk = created["id"]
    endpoint = WebhookEndpoint.objects.get(pk=pk)
    assert endpoint.created_by is None and endpoint.created_by_label.startswith("api:")

    listed = mine.get("/api/v1/webhooks").json()
    assert [e["id"] for e in listed] == [pk] and "secret" not in listed[0]
    assert theirs.get("/api/v1/webhooks").json() == []
    assert theirs.get(f"/api/v1/webhooks/{pk}").status_code == 404
    assert theirs.get(f"/api/v1/webhooks/{pk}/deliveries").status_code == 404
    assert theirs.delete(f"/api/v1/webhooks/{pk}").status_code == 404
    # Asking for another institution is refused, not silently honoured.
    resp = mine.post(
        "/api/v1/webhooks",
        {"url": "https://x.example/h", "organisation_id": world.other_bank.pk},
        content_type="application/json",
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    assert WebhookEndpoint.objects.count() == 1

    from xietong.cases.services import case_start_mediation

    with django_capture_on_commit_callbacks(execute=True):
        case_start_mediation(case=world.cases["bank"], actor=world.users["clerk"])
    deliveries = mine.get(f"/api/v1/webhooks/{pk}/deliveries").json()
    assert len(deliveries) == 1 and deliveries[0]["status"] == "succeeded"
    assert deliveries[0]["payload"]["case"]["state"] == "mediating"
    did = deliveries[0]["id"]
    assert theirs.post(f"/api/v1/webhooks/deliveries/{did}/replay").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        resp = mine.post(f"/api/v1/webhooks/deliveries/{did}/replay")
    assert resp.status_code == 202 and resp.json()["replays"] == 1
    assert len(receiver.received) == 2

    assert mine.delete(f"/api/v1/webhooks/{pk}").status_code == 204
    assert mine.get(f"/api/v1/webhooks/{pk}").status_code == 404
    assert AuditEntry.objects.filter(action="webhook.delete").count() == 1


def test_api_refuses_other_roles(world):
    for who in ("regulator", "clerk", "party"):
        c = login(world, who)
        assert c.get("/api/v1/webhooks").status_code == 403, who
    assert Client().get("/api/v1/webhooks").status_code == 401
    resp = token_client(world.api_token).post(
        "/api/v1/webhooks", {"url": "ftp://x.example/h"}, content_type="application/json"
    )
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "webhook_url"

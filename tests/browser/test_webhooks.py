"""In the browser: a bank operator registers an endpoint on a phone, sees the secret once, then
follows a case event in the delivery log and replays it."""

from __future__ import annotations

import pytest

from tests.support.world import PASSWORD
from xietong.webhooks.tests.conftest import _local_http, receiver  # noqa: F401 - fixtures

from .conftest import PHONE, login

pytestmark = pytest.mark.browser


def test_operator_registers_an_endpoint_and_replays_a_delivery(live_world, new_page, receiver):  # noqa: F811 - the receiver fixture
    from xietong.cases.services import case_start_mediation
    from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint

    page = new_page(viewport=PHONE)
    login(page, live_world.users["bank"].username, PASSWORD)
    page.goto("/webhooks/")
    assert page.locator("[data-testid=no-webhooks]").count() == 1
    page.fill("#id_url", receiver.url)
    with page.expect_navigation():
        page.dblclick("[data-testid=webhook-submit]")  # a double click registers one endpoint
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organisation == live_world.bank
    assert page.locator("[data-testid=webhook-secret-value]").inner_text() == endpoint.secret
    page.reload()
    assert page.locator("[data-testid=webhook-secret]").count() == 0
    assert endpoint.secret not in page.content()
    assert page.locator("[data-testid=webhook-secret-masked]").inner_text() == endpoint.secret_masked

    case_start_mediation(case=live_world.cases["bank"], actor=live_world.users["clerk"])
    assert len(receiver.received) == 1
    with page.expect_navigation():
        page.click("[data-testid=webhook-deliveries]")
    card = page.locator("[data-testid=webhook-delivery]")
    assert card.count() == 1
    assert card.locator("[data-testid=delivery-code]").inner_text().startswith("200")
    with page.expect_navigation():
        card.locator("[data-testid=delivery-replay]").click()
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.get().replays == 1
    assert "1" in page.locator("[data-testid=delivery-attempts]").inner_text()

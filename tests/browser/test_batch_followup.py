"""In the browser: a bank operator follows an imported batch from the list to its figures and exports
them; on a phone, switches a webhook endpoint off and on."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.world import PASSWORD

from .conftest import PHONE, login

pytestmark = pytest.mark.browser


def test_operator_follows_a_batch_and_exports_it(live_world, new_page):
    from xietong.batches.services import batch_import, batch_upload
    from xietong.batches.tests.helpers import csv_bytes, good_row, upload
    from xietong.cases.choices import CaseState
    from xietong.cases.models import Case

    bank = live_world.users["bank"]
    batch = batch_upload(
        actor=bank, institution=live_world.bank, file=upload(csv_bytes([good_row(i) for i in range(1, 5)]))
    ).batch
    batch_import(batch=batch, actor=bank)
    first = Case.objects.filter(batch_rows__batch=batch).order_by("pk").first()
    Case.objects.filter(pk=first.pk).update(
        state=CaseState.FULFILLED, closed_at=first.submitted_at + dt.timedelta(days=3)
    )

    page = new_page(viewport=PHONE)
    login(page, bank.username, PASSWORD)
    page.goto("/batches/")
    with page.expect_navigation():
        page.click("[data-testid=batch-followup-link]")
    assert page.locator("[data-testid=fu-delivered]").inner_text() == "4"
    assert page.locator("[data-testid=fu-closed]").inner_text() == "1"
    assert page.locator("[data-testid=fu-closure-rate]").inner_text() == "25%"
    assert page.locator("[data-testid=fu-state-fulfilled]").count() == 1
    with page.expect_download() as info:
        page.click("[data-testid=fu-export]")
    assert info.value.suggested_filename == f"batch-{batch.pk}-followup.xlsx"
    # Nothing runs off the side of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_operator_switches_an_endpoint_off_and_on(live_world, new_page, settings):
    from xietong.webhooks.models import WebhookEndpoint
    from xietong.webhooks.services import endpoint_create

    settings.XIETONG_WEBHOOKS_ALLOW_LOCAL_HTTP = True
    endpoint, _ = endpoint_create(actor=live_world.users["bank"], url="http://127.0.0.1:9/hook")
    page = new_page(viewport=PHONE)
    login(page, live_world.users["bank"].username, PASSWORD)
    page.goto("/webhooks/")
    with page.expect_navigation():
        page.dblclick("[data-testid=webhook-switch-off]")
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    with page.expect_navigation():
        page.click("[data-testid=webhook-switch-on]")
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active is True

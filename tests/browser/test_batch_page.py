"""In the browser: the batch page follows its import to the end without a reload; its counts sit in a row."""

from __future__ import annotations

import os

import pytest

from tests.support.world import PASSWORD

from .conftest import DESKTOP, login

pytestmark = pytest.mark.browser

NARROW = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "390px"])
def test_the_batch_page_keeps_up_with_its_import(live_world, new_page, viewport):
    from xietong.batches.services import batch_import_run, batch_import_start, batch_upload
    from xietong.batches.tests.helpers import csv_bytes, good_row, upload

    bank = live_world.users["bank"]
    rows = [good_row(i) for i in range(1, 6)] + [good_row(9, phone="123")]
    batch = batch_upload(actor=bank, institution=live_world.bank, file=upload(csv_bytes(rows))).batch
    batch_import_start(batch=batch, actor=bank, enqueue=False)

    page = new_page(viewport=viewport)
    login(page, bank.username, PASSWORD)
    page.goto(f"/batches/{batch.pk}/")
    badge = page.locator("[data-testid=batch-status]")
    queued = badge.inner_text()
    assert page.locator("[data-testid=batch-followup-link]").count() == 0
    tops = [page.locator(f"[data-testid={k}]").bounding_box()["y"] for k in ("count-rows", "count-duplicates")]
    if viewport is DESKTOP:
        assert abs(tops[0] - tops[1]) < 2  # the four counts in one row

    page.evaluate("window.__same_page = true")
    batch_import_run(batch_id=batch.pk)
    page.locator("[data-testid=batch-followup-link]").wait_for(timeout=10_000)
    assert page.evaluate("window.__same_page") is True  # no reload
    assert badge.inner_text() != queued
    assert page.locator("[data-testid=batch-imported]").count() == 1
    shots = os.environ.get("XIETONG_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, f"batch-{viewport['width']}.png"), full_page=True)

"""In the browser: a credit-card department's export (a title, no product column) is uploaded, its product
set once on the mapping page, and the preview says which rows were set aside."""

from __future__ import annotations

import os

import pytest

from tests.support.world import PASSWORD

from .conftest import DESKTOP, login

pytestmark = pytest.mark.browser

NARROW = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "390px"])
def test_an_export_without_a_product_column_is_mapped_and_previewed(live_world, new_page, viewport, tmp_path):
    from xietong.batches.tests.test_bank_export import _card_export_xlsx

    path = tmp_path / "信用卡逾期清单.xlsx"
    path.write_bytes(_card_export_xlsx(1, 2, 3))
    page = new_page(viewport=viewport)
    login(page, live_world.users["bank"].username, PASSWORD)
    page.goto("/batches/new/")
    page.set_input_files("input[type=file]", str(path))
    page.locator("[data-testid=batch-upload-submit]").click()
    page.locator("[data-testid=batch-values]").wait_for()
    shots = os.environ.get("XIETONG_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, f"mapping-{viewport['width']}.png"), full_page=True)
    page.select_option("select[name=every_product]", "credit_card")
    page.locator("[data-testid=batch-mapping-submit]").click()
    aside = page.locator("[data-testid=batch-set-aside]")
    aside.wait_for()
    assert "表头在第3行" in aside.inner_text() and "忽略空行2行" in aside.inner_text()
    assert "信用卡" in page.locator("[data-testid=batch-every-row]").inner_text()
    assert page.locator("[data-testid=count-valid]").inner_text() == "3"
    if shots:
        page.screenshot(path=os.path.join(shots, f"preview-{viewport['width']}.png"), full_page=True)

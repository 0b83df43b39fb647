"""Browser tests: Debian's chromium, headless, driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's chromium is required for browser tests (looked for {CHROMIUM}); run `make test`.")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def live_world(_world_committed, transactional_db):
    from tests.support.world import world_load

    return world_load(_world_committed)


@pytest.fixture
def new_page(browser, live_server):
    contexts = []
    refused: list[str] = []  # what the Content-Security-Policy blocked: every page must need no exception

    def make(viewport=DESKTOP, locale="zh-CN"):
        ctx = browser.new_context(viewport=viewport, locale=locale, base_url=live_server.url)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on(
            "console",
            lambda msg: refused.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None,
        )
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not refused, "blocked by the Content-Security-Policy:\n" + "\n".join(refused)


def login(page, username, password):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("[data-testid=login-submit]")

"""Fixtures shared by every app's tests: a small two-court, two-bank world built through the services."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture
def world(db):
    from xietong.core.testing import build_world

    return build_world()

"""Fixtures shared by every app's tests: a small two-court, two-bank world built through the services.

The world is built through the services once per test session (and worker), its rows recorded and
rolled back (tests/support/snapshot.py); each test that asks for it gets those rows written again in
its own transaction, and fresh instances loaded from them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _audit_checkpoint_file(settings: Any, tmp_path_factory: Any) -> None:
    """Each test its own audit checkpoint file: a test's database is rolled back, a file is not."""
    import uuid

    settings.AUDIT_CHECKPOINT_FILE = tmp_path_factory.getbasetemp() / f"audit-checkpoints-{uuid.uuid4().hex}.log"


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the platform's language: a test client's request in English leaves English
    active in the worker's thread (LocaleMiddleware does not deactivate it), and a later test of another
    file that expects Chinese text (a served document's title) failed only when it ran after it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def _world_snapshot(django_db_setup: Any, django_db_blocker: Any) -> Any:
    from tests.support.snapshot import snapshot_take
    from tests.support.world import build_world, world_ids

    with django_db_blocker.unblock():
        rows, ids = snapshot_take(lambda: world_ids(build_world()))
    return rows, ids


@pytest.fixture
def _world_committed(_world_snapshot: Any, transactional_db: Any) -> Any:
    """The world, committed (for tests whose threads, workers or browser must see it)."""
    from tests.support.snapshot import snapshot_restore

    rows, ids = _world_snapshot
    snapshot_restore(rows)
    return ids


@pytest.fixture
def world(_world_snapshot: Any, db: Any) -> Any:
    """The world in this test's transaction (committed when the test is transactional)."""
    from tests.support.snapshot import snapshot_restore
    from tests.support.world import world_load

    rows, ids = _world_snapshot
    snapshot_restore(rows)
    return world_load(ids)


@pytest.fixture
def no_guards(monkeypatch):
    """The lifecycle table alone decides (the guards are other apps' rules, tested there): for the
    random walks of tests/support/walk.py."""
    from xietong.cases.registry import registry

    for key in list(registry.guards):
        monkeypatch.setitem(registry.guards._items, key, lambda case, actor, note: None)

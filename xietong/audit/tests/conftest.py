from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def attacker(world: Any) -> Any:
    """The world, with the append-only triggers dropped as someone with rights on the database would."""
    from .test_audit_chain import drop_append_only_triggers

    drop_append_only_triggers()
    return world

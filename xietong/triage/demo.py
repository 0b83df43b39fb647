"""Demo data of this app, loaded by `load_demo` after the region (see xietong/demo/region.py)."""

from __future__ import annotations

from typing import Any


def seed(*, actor: Any) -> None:
    """Add this app's demo data. Called once, inside the loader's transaction, at the real time."""

"""Permission policies of the routes, one module per app, merged by tests/test_permissions_walk.py.

Each module here defines `POLICY: dict[str, Rule]` for its app's route names (URL names, and
`api-1:<operation id>` for API routes). A route without a policy fails the walk.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """What a role gets from one route. `case` routes are tried against every case of the world."""

    method: str = "GET"
    case: bool = False
    public: bool = False  # anyone, logged in or not
    web: bool = True  # a page (login redirect) rather than an API route (401)
    roles: frozenset[str] | None = None  # None: every logged-in role
    data: dict | None = None
    status: frozenset[int] = frozenset({200, 302})  # for public routes
    redirects: frozenset[str] = frozenset()  # roles sent elsewhere (302)
    ok: int | None = None  # success status for a visible case; default GET 200, page POST 302, API POST 400


def app_policies() -> dict[str, Rule]:
    merged: dict[str, Rule] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, rule in getattr(module, "POLICY", {}).items():
            assert name not in merged, f"route {name} has two policies"
            merged[name] = rule
    return merged

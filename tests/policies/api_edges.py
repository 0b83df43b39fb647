"""The API's own 404 for any path under /api/ that no operation answers (xietong/core/api.py)."""

from __future__ import annotations

from tests.policies import Rule

POLICY: dict[str, Rule] = {
    "api-not-found": Rule(public=True, web=False, status=frozenset({404})),
}

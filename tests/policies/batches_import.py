"""Routes of the batch import's progress (xietong/batches). The walk fills <pk> with 0, no batch:
404 for operators and the center admin, 403 for other roles, a login redirect for visitors.
Per-role checks with real batches are in xietong/batches/tests/test_import_background.py."""

from __future__ import annotations

from tests.policies import Rule

POLICY: dict[str, Rule] = {
    "batch-progress": Rule(public=True, status=frozenset({302, 403, 404})),
}

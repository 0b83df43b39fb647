"""Batch API, batch follow-up and the webhook switch (issue 5, points 4 and 5).

The walk fills <pk> with 0: no such batch or endpoint. Batch routes: institution operators, their
API clients and the center admin get 404, other roles 403 (per-role checks with real batches,
another bank's 404 included, are in xietong/batches/tests/test_api.py and test_followup.py).
"""

from __future__ import annotations

from tests.policies import Rule

BATCH_USERS = frozenset({"admin", "bank", "other_bank", "token:bank", "token:other_bank"})
NO_SUCH_OBJECT = frozenset({302, 401, 403, 404})

POLICY: dict[str, Rule] = {
    # Pages (session users only; tokens get the login redirect like every page).
    "batch-followup": Rule(public=True, status=frozenset({302, 403, 404})),
    "batch-followup-xlsx": Rule(public=True, status=frozenset({302, 403, 404})),
    "webhook-toggle": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    # API. Submitting without an Idempotency-Key is refused (400) before anything is read or stored.
    "api-1:batches_create": Rule(
        method="POST", public=True, web=False, data={"rows": []}, status=frozenset({400, 401, 403})
    ),
    "api-1:batches_create_file": Rule(method="POST", public=True, web=False, status=frozenset({400, 401, 403})),
    "api-1:batches_list": Rule(web=False, roles=BATCH_USERS),
    "api-1:batches_detail": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:batches_import": Rule(method="POST", public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:batches_errors": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:batches_cases": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:batches_followup": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:webhooks_toggle": Rule(
        method="POST", public=True, web=False, data={"active": False}, status=frozenset({401, 403, 404})
    ),
}

"""Routes of xietong/accounts beyond login: the API clients page of institution operators and the center.

Rotating and revoking need a client of the operator's own institution: the walk's world has none for the
web users' ids it tries (403 for other roles, 404 for unknown ids); xietong/accounts/tests prove the rest.
"""

from __future__ import annotations

from tests.policies import Rule

POLICY: dict[str, Rule] = {
    "api-clients": Rule(roles=frozenset({"admin", "bank", "other_bank"})),
    "api-client-rotate": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    "api-token-revoke": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
}

"""Routes of xietong/risk: the group-risk warnings.

Lists: the center, the courts, regulators and institutions (theirs only); others 403. The walk
fills <pk> with 0, no warning: 404 for those who may see warnings, 403 for the rest, a login
redirect for visitors. Per-role checks with real warnings are in xietong/risk/tests/test_views_api.py.
"""

from __future__ import annotations

from tests.policies import Rule

VIEWERS = frozenset({"admin", "clerk", "judge", "other_judge", "regulator", "bank", "other_bank"})
NO_SUCH_WARNING = frozenset({302, 403, 404})

POLICY: dict[str, Rule] = {
    "risk-warnings": Rule(roles=VIEWERS),
    "risk-counts": Rule(roles=frozenset({"admin", "clerk", "judge", "other_judge", "regulator"})),
    "risk-warning": Rule(public=True, status=NO_SUCH_WARNING),
    "risk-warning-step": Rule(method="POST", public=True, status=NO_SUCH_WARNING),
    "risk-warning-notice": Rule(public=True, status=NO_SUCH_WARNING),
    "api-1:risk_warnings": Rule(web=False, roles=VIEWERS | {"token:bank", "token:other_bank"}),
    "api-1:risk_warning": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
}

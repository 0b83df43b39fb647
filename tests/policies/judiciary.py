"""Routes of xietong/judiciary: the court's worklist, the case panel's forms, rulings, and the API.

The walk posts empty forms: a role that may use a form gets its redirect back to the case page
(with an error message) on a case it may see, 404 on one it may not. Per-role checks with real
reviews, requests, hearings and rulings are in xietong/judiciary/tests/test_views.py and test_api.py.
"""

from __future__ import annotations

from tests.policies import Rule

COURT = frozenset({"clerk", "judge", "other_judge"})
JUDGES = frozenset({"judge", "other_judge"})
INSTITUTIONS = frozenset({"bank", "other_bank", "token:bank", "token:other_bank"})

POLICY: dict[str, Rule] = {
    "judiciary-worklist": Rule(roles=frozenset({"admin", "clerk", "judge", "other_judge"})),
    "judiciary-review": Rule(method="POST", case=True, roles=JUDGES),
    # The plaintiff side (parties, institution operators) and the court's clerks (paper requests), the center.
    "judiciary-filing-request": Rule(
        method="POST", case=True, roles=frozenset({"party", "stranger", "bank", "other_bank", "clerk", "admin"})
    ),
    "judiciary-file": Rule(case=True, roles=COURT),
    "judiciary-hearing-new": Rule(method="POST", case=True, roles=COURT),
    # No hearing 0: 404 on a visible case.
    "judiciary-hearing-status": Rule(method="POST", case=True, roles=COURT, ok=404),
    "judiciary-outcome": Rule(method="POST", case=True, roles=JUDGES),
    # Whoever may see the case downloads its rulings; the world has none: 404 for ruling 0.
    "judiciary-ruling-pdf": Rule(case=True, ok=404),
    # Likewise a hearing's notice (rendered on the spot while being prepared): no hearing 0, 404.
    "judiciary-hearing-notice": Rule(case=True, ok=404),
    "api-1:judiciary_case": Rule(web=False, case=True),
    # Institutions ask for filing of their own failed mediations; the world's cases have not failed: 400.
    "api-1:judiciary_filing_request": Rule(method="POST", web=False, case=True, roles=INSTITUTIONS),
}

"""Routes of xietong/repayment: the repayments worklist, the case panel's forms, the enforcement
application's documents, and the API.

The walk posts empty forms: whoever may see the case gets the redirect back to it (the service then
refuses with a message: not the creditor, not enforceable, nothing to accept); 404 on a case they may
not see. Per-role checks with real plans, payments and applications are in xietong/repayment/tests/.
"""

from __future__ import annotations

from tests.policies import Rule

POLICY: dict[str, Rule] = {
    "repayment-worklist": Rule(roles=frozenset({"admin", "clerk", "judge", "other_judge", "bank", "other_bank"})),
    "my-repayments": Rule(roles=frozenset({"party", "stranger"})),
    "repayment-payment": Rule(method="POST", case=True),
    "repayment-suspend": Rule(method="POST", case=True),
    "repayment-enforcement-apply": Rule(method="POST", case=True),
    "repayment-enforcement-accept": Rule(method="POST", case=True),
    "repayment-enforcement-result": Rule(method="POST", case=True),
    # No application 0: 404 on a visible case.
    "repayment-enforcement-pdf": Rule(case=True, ok=404),
    "repayment-enforcement-docx": Rule(case=True, ok=404),
    "api-1:repayment_case": Rule(web=False, case=True),
    # A valid body without the Idempotency-Key header: 400 on a visible case, 404 on another.
    "api-1:repayment_payment_create": Rule(
        method="POST", web=False, case=True, data={"paid_on": "2026-01-01", "amount": "1.00", "reference": "x"}
    ),
}

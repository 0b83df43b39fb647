"""Routes of xietong/repayment: the repayments worklist, the case panel's forms, the enforcement
application's documents, and the API.

The walk posts empty forms: whoever may see the case gets the redirect back to it (the service then
refuses with a message: not the creditor, not enforceable, nothing to accept); 404 on a case they may
not see. Per-role checks with real plans, payments and applications are in xietong/repayment/tests/.
"""

from __future__ import annotations

from tests.policies import Rule

POLICY: dict[str, Rule] = {
    "repayment-worklist": Rule(
        roles=frozenset({"admin", "clerk", "judge", "other_judge", "bank", "other_bank", "mediator", "other_mediator"})
    ),
    "my-repayments": Rule(roles=frozenset({"party", "stranger"})),
    "repayment-payment": Rule(method="POST", case=True),
    "repayment-suspend": Rule(method="POST", case=True),
    "repayment-waive": Rule(method="POST", case=True),
    "repayment-acknowledgement": Rule(method="POST", case=True),
    # Changing the plan: empty forms refused with a message (302); request or revision 0: 404.
    "repayment-time-request": Rule(method="POST", case=True),
    "repayment-time-request-decline": Rule(method="POST", case=True, ok=404),
    "repayment-revision-draft": Rule(method="POST", case=True),
    "repayment-revision-code": Rule(method="POST", case=True, ok=404),
    "repayment-revision-sign": Rule(method="POST", case=True, ok=404),
    "repayment-revision-void": Rule(method="POST", case=True, ok=404),
    # Declared payments: the empty form is refused with a message (302); declaration 0 does not exist (404).
    "repayment-declare": Rule(method="POST", case=True),
    "repayment-declaration-confirm": Rule(method="POST", case=True, ok=404),
    "repayment-declaration-dispute": Rule(method="POST", case=True, ok=404),
    "repayment-declaration-settle": Rule(method="POST", case=True, ok=404),
    "repayment-declaration-voucher": Rule(case=True, ok=404),
    "repayment-enforcement-apply": Rule(method="POST", case=True),
    "repayment-confirmation-request": Rule(method="POST", case=True),
    "repayment-enforcement-accept": Rule(method="POST", case=True),
    "repayment-enforcement-result": Rule(method="POST", case=True),
    # No application 0: 404 on a visible case.
    "repayment-enforcement-pdf": Rule(case=True, ok=404),
    "repayment-enforcement-docx": Rule(case=True, ok=404),
    # Payments files: the institutions' operators, their own files only. The walk fills <pk> with 0,
    # no file: operators 404, other roles 403 (per-role checks with real files are in
    # xietong/repayment/tests/test_payment_files.py and test_api_files.py).
    "repayment-files": Rule(roles=frozenset({"bank", "other_bank"})),
    "repayment-file-template": Rule(roles=frozenset({"bank", "other_bank"})),
    "repayment-file": Rule(public=True, status=frozenset({302, 403, 404})),
    "repayment-file-errors": Rule(public=True, status=frozenset({302, 403, 404})),
    "repayment-file-apply": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    # Without the Idempotency-Key header: 400 for the institutions, 403 for everyone else, 401 anonymous.
    "api-1:repayment_file_create": Rule(
        method="POST", public=True, web=False, data={"rows": []}, status=frozenset({400, 401, 403})
    ),
    "api-1:repayment_file_detail": Rule(public=True, web=False, status=frozenset({401, 404})),
    "api-1:repayment_file_record": Rule(method="POST", public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:repayment_case": Rule(web=False, case=True),
    "api-1:repayment_enforcement": Rule(web=False, case=True),
    # Without the Idempotency-Key header: 400 on a visible case, 404 on another.
    "api-1:repayment_enforcement_apply": Rule(method="POST", web=False, case=True),
    # Application 0 does not exist: 404 everywhere (the creditor's document; per-role checks in test_api.py).
    "api-1:repayment_enforcement_pdf": Rule(public=True, web=False, status=frozenset({401, 404})),
    # A valid body without the Idempotency-Key header: 400 on a visible case, 404 on another.
    "api-1:repayment_payment_create": Rule(
        method="POST", web=False, case=True, data={"paid_on": "2026-01-01", "amount": "1.00", "reference": "x"}
    ),
}

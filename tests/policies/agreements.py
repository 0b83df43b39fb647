"""Agreements (xietong/agreements): routes under a case the actor may see (Case.objects.restrict).

The walk's world has no agreement: for a visible case, routes naming agreement 0 answer 404, the
draft form (empty) redirects back with an error, the live plan preview answers 200. Invisible cases
404, regulators 403 (pages). Per-role checks with real agreements: xietong/agreements/tests/test_views_api.py.
"""

from tests.policies import Rule

TOKEN_OR_USER_404 = frozenset({401, 404})

POLICY: dict[str, Rule] = {
    "agreement-draft": Rule(method="POST", case=True),
    "agreement-preview": Rule(case=True),
    "agreement-send": Rule(method="POST", case=True, ok=404),
    "agreement-void": Rule(method="POST", case=True, ok=404),
    "agreement-code": Rule(method="POST", case=True, ok=404),
    "agreement-sign": Rule(method="POST", case=True, ok=404),
    "agreement-pdf": Rule(case=True, ok=404),
    "agreement-docx": Rule(case=True, ok=404),
    "api-1:agreements_case": Rule(web=False, case=True),
    # agreement 0 exists for nobody: 404 for every caller, 401 without credentials
    "api-1:agreements_sign": Rule(method="POST", public=True, web=False, status=TOKEN_OR_USER_404),
    "api-1:agreements_pdf": Rule(public=True, web=False, status=TOKEN_OR_USER_404),
}

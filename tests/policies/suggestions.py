"""Judicial suggestions (xietong/suggestions). The walk fills ids with 0 (nothing there): logged-in users
get 404. Per-role checks with data: xietong/suggestions/tests (test_views.py, test_api.py)."""

from tests.policies import Rule

REGISTER_READERS = frozenset({"admin", "clerk", "judge", "other_judge", "regulator", "bank", "other_bank"})
COURT = frozenset({"admin", "clerk", "judge", "other_judge"})
NO_SUCH = frozenset({302, 404})

POLICY: dict[str, Rule] = {
    "suggestions-defects": Rule(roles=REGISTER_READERS),
    "suggestions-candidates": Rule(roles=COURT),
    "suggestions-draft": Rule(roles=COURT),
    "suggestion-list": Rule(roles=REGISTER_READERS),
    "suggestion-export": Rule(roles=REGISTER_READERS),
    "suggestion-detail": Rule(public=True, status=NO_SUCH),
    "suggestion-sign": Rule(method="POST", public=True, status=NO_SUCH),
    "suggestion-send": Rule(method="POST", public=True, status=NO_SUCH),
    "suggestion-delivery": Rule(method="POST", public=True, status=NO_SUCH),
    "suggestion-answer": Rule(method="POST", public=True, status=NO_SUCH),
    "suggestion-file": Rule(public=True, status=NO_SUCH),
    "suggestion-attachment": Rule(public=True, status=NO_SUCH),
    "api-1:suggestions_list": Rule(web=False, roles=REGISTER_READERS | {"token:bank", "token:other_bank"}),
    "api-1:suggestions_detail": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
}

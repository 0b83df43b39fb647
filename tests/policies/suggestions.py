"""Judicial suggestions (xietong/suggestions). The walk fills ids with 0 (nothing there): logged-in users
get 404. Per-role checks with data: xietong/suggestions/tests."""

from tests.policies import Rule

REGISTER_READERS = frozenset({"admin", "clerk", "judge", "other_judge", "regulator", "bank", "other_bank"})
COURT = frozenset({"admin", "clerk", "judge", "other_judge"})

POLICY: dict[str, Rule] = {
    "suggestions-defects": Rule(roles=REGISTER_READERS),
    "suggestions-candidates": Rule(roles=COURT),
    # An empty form: no such candidate, back to the candidates page.
    "suggestions-draft": Rule(method="POST", roles=COURT, data={}, redirects=COURT),
    "suggestion-list": Rule(roles=REGISTER_READERS),
    "suggestion-detail": Rule(public=True, status=frozenset({302, 404})),
    "suggestion-sign": Rule(method="POST", public=True, status=frozenset({302, 404})),
    "suggestion-file": Rule(public=True, status=frozenset({302, 404})),
}

"""Judicial suggestions (xietong/suggestions). Per-role checks with data: xietong/suggestions/tests."""

from tests.policies import Rule

REGISTER_READERS = frozenset({"admin", "clerk", "judge", "other_judge", "regulator", "bank", "other_bank"})

POLICY: dict[str, Rule] = {
    "suggestions-defects": Rule(roles=REGISTER_READERS),
    "suggestions-candidates": Rule(roles=frozenset({"admin", "clerk", "judge", "other_judge"})),
}

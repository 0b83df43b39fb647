"""Routes of xietong/stats: the figures.

The dashboard and its export: every role with figures of its own (the center, the courts, regulators,
institutions, mediators); parties and station agents 403. The API the same, institutions' API clients
included. The public figures page: anyone. Per-audience figures are tested in xietong/stats/tests.
"""

from __future__ import annotations

from tests.policies import Rule

FIGURES = frozenset(
    {"admin", "clerk", "judge", "other_judge", "mediator", "other_mediator", "bank", "other_bank", "regulator"}
)

POLICY: dict[str, Rule] = {
    "dashboard": Rule(roles=FIGURES),
    "dashboard-xlsx": Rule(roles=FIGURES),
    "public-figures": Rule(public=True, status=frozenset({200})),
    "api-1:stats_dashboard": Rule(web=False, roles=FIGURES | {"token:bank", "token:other_bank"}),
}

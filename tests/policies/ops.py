"""Routes of xietong/ops: health and metrics, for load balancers and Prometheus; no login, nothing secret.

`/readyz` answers 503 in the walk's world (no worker has been seen); `/metrics` is 404 unless
XIETONG_METRICS is set. What they say is tested in xietong/ops/tests.
"""

from __future__ import annotations

from tests.policies import Rule

POLICY: dict[str, Rule] = {
    "healthz": Rule(public=True, status=frozenset({200})),
    "readyz": Rule(public=True, status=frozenset({200, 503})),
    "metrics": Rule(public=True, status=frozenset({200, 404})),
}

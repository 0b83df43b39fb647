"""The permissions walk of tests/test_permissions_walk.py, for the mediation routes only."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from tests.policies.mediation import POLICY
from tests.test_permissions_walk import ROLES, client_for, expected, fill, walk


@pytest.mark.django_db
def test_mediation_routes_as_every_role(world):
    routes = [(n, r) for n, r in walk(get_resolver().url_patterns) if n in POLICY]
    assert len(routes) == len(POLICY)
    failures = []
    for role in ROLES:
        for name, route in routes:
            rule = POLICY[name]
            targets = list(world.cases.items()) if rule.case else [(None, None)]
            for key, case in targets:
                url = fill(route, case, None)
                client = client_for(world, role)
                if rule.method == "POST":
                    if rule.web:
                        resp = client.post(url, rule.data or {})
                    else:
                        resp = client.post(url, rule.data or {}, content_type="application/json")
                else:
                    resp = client.get(url)
                want = expected(rule, role, key)
                if resp.status_code not in want:
                    failures.append(f"{role} {rule.method} {url} ({name}): {resp.status_code}, expected {sorted(want)}")
    assert not failures, "\n".join(failures)

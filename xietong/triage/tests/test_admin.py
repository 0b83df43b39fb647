from __future__ import annotations

import pytest

from xietong.audit.models import AuditEntry
from xietong.triage.models import TriageRule

pytestmark = pytest.mark.django_db

BASE = {
    "name": "大额经营贷",
    "position": "10",
    "is_active": "on",
    "description": "",
    "min_total": "",
    "max_total": "",
    "products": "[]",
    "min_parties": "",
    "max_parties": "",
    "has_overseas_party": "unknown",
    "wishes": "[]",
    "in_risk_stratum": "unknown",
    "set_channel": "hard_to_enforce",
    "set_track": "",
}


def test_rules_are_edited_in_the_back_office_with_clear_messages_and_audited(client, world):
    client.force_login(world.users["admin"])
    bad = {**BASE, "min_total": "500000", "max_total": "100", "products": '["bitcoin"]'}
    r = client.post("/admin/triage/triagerule/add/", bad)
    assert r.status_code == 200
    html = r.content.decode()
    assert "bitcoin" in html and "errorlist" in html
    assert not TriageRule.objects.exists()
    good = {**BASE, "min_total": "500000", "products": '["business_loan"]'}
    r = client.post("/admin/triage/triagerule/add/", good)
    assert r.status_code == 302, r.content.decode()[:3000]
    rule = TriageRule.objects.get()
    assert rule.products == ["business_loan"]
    entry = AuditEntry.objects.filter(action="reference.change", object_type="triage.triagerule").last()
    assert entry.after["set_channel"] == "hard_to_enforce" and entry.actor_id == world.users["admin"].pk


def test_memorandum_admin_validates_the_term(client, world):
    client.force_login(world.users["admin"])
    r = client.post(
        "/admin/triage/smallclaimsmemorandum/add/",
        {
            "institution": world.other_bank.pk,
            "signed_on": "2026-05-01",
            "valid_until": "2026-04-01",
            "amount_limit": "100000.00",
            "note": "",
        },
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()

from xietong.audit.models import AuditEntry
from xietong.audit.services import audit_verify
from xietong.cases.models import Category


def test_reference_data_edited_in_the_back_office_is_audited(client, world):
    admin = world.users["admin"]
    client.force_login(admin)
    r = client.post(
        "/admin/cases/category/add/",
        {
            "name": "乡村振兴",
            "code": "rural",
            "colour": "yellow",
            "sort_order": 2,
            "description": "",
            "is_active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    cat = Category.objects.get(code="rural")
    entry = AuditEntry.objects.filter(action="reference.change", object_type="cases.category").last()
    assert entry.object_id == str(cat.pk) and entry.after["colour"] == "yellow" and entry.before is None
    assert entry.actor_id == admin.pk
    client.post(
        f"/admin/cases/category/{cat.pk}/change/",
        {"name": "乡村振兴", "code": "rural", "colour": "green", "sort_order": 2, "description": "", "is_active": "on"},
    )
    entry = AuditEntry.objects.filter(action="reference.change", object_type="cases.category").last()
    assert entry.before["colour"] == "yellow" and entry.after["colour"] == "green"
    assert audit_verify()[1] is None


def test_back_office_shows_no_admin_to_a_clerk(client, world):
    client.force_login(world.users["clerk"])
    assert client.get("/admin/cases/category/").status_code == 302

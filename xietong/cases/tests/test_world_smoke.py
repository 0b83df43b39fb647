from xietong.audit.services import audit_verify
from xietong.cases.models import Case


def test_world_builds_with_an_intact_audit_trail(world):
    assert Case.objects.count() == 4
    assert world.cases["bank"].number.startswith("（")
    checked, problem = audit_verify()
    assert problem is None
    assert checked > 20

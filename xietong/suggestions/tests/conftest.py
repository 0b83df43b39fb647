from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from xietong.suggestions.models import Suggestion
from xietong.suggestions.services import suggestion_draft, suggestion_send, suggestion_sign

PDF = b"%PDF-1.4\n% the institution's new form\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def grant(user: Any) -> Any:
    user.user_permissions.add(Permission.objects.get(codename="sign_suggestion"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached


def draft_of(world: Any, **kw: Any) -> Suggestion:
    args = {
        "actor": world.users["clerk"],
        "institution": world.bank,
        "title": "关于规范送达地址确认工作的司法建议",
        "problems": "送达地址确认书填写不完整。",
        "recommendations": ["规范填写送达地址确认书", "定期核对客户地址"],
        "legal_basis": "《中华人民共和国民事诉讼法》",
        "copies_to": [world.regulator_org],
    }
    args.update(kw)
    return suggestion_draft(**args)


@pytest.fixture
def people(world: Any) -> dict[str, Any]:
    """The world's people with e-mail addresses (messages go by e-mail) and a signer."""
    for key, user in world.users.items():
        user.email = f"{key}@example.test"
        user.save(update_fields=["email"])
    world.users["judge"] = grant(world.users["judge"])
    return world.users


@pytest.fixture
def sent(world: Any, people: dict[str, Any]) -> Suggestion:
    """A suggestion to the bank, copied to the PBoC branch, signed off and sent in the platform."""
    s = draft_of(world)
    suggestion_sign(actor=people["judge"], suggestion=s)
    return suggestion_send(actor=people["clerk"], suggestion=s)

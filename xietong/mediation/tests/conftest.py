from __future__ import annotations

import pytest

from xietong.cases.services import case_start_mediation
from xietong.mediation.services import mediator_profile_save


@pytest.fixture
def pool(world):
    """Both mediators of the world with a credit-card profile, capacity 10."""
    admin = world.users["admin"]
    for key in ("mediator", "other_mediator"):
        mediator_profile_save(
            actor=admin, user=world.users[key], specialties=["credit_card"], languages=["cmn"], capacity=10
        )
    return world


@pytest.fixture
def mediating(pool):
    """The bank's case in mediation, with its mediator."""
    case = pool.cases["bank"]
    case_start_mediation(case=case, actor=pool.users["mediator"])
    case.refresh_from_db()
    return case


@pytest.fixture(autouse=True)
def _english():
    """Reasons and messages are compared in English (the msgids)."""
    from django.utils import translation

    with translation.override("en"):
        yield

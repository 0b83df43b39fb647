"""A random walk through the lifecycle, shared by the tests that compare something kept incrementally
(the figures' rollups, the status documents) with the same thing rebuilt from scratch. The fixture
`no_guards` (conftest.py) lets the lifecycle table alone decide."""

from __future__ import annotations

import random
from typing import Any

from xietong.accounts.choices import Role
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Channel, Track
from xietong.cases.services import case_transition
from xietong.cases.workflow import TRANSITIONS, transitions_from
from xietong.core.errors import DomainError

ENDED = ("closed", "withdrawn", "rejected")


def actor_for(world: Any, code: str) -> Any:
    roles = TRANSITIONS[code].roles
    for role, who in ((Role.CENTER_ADMIN, "admin"), (Role.JUDGE, "judge"), (Role.MEDIATOR, "mediator")):
        if role in roles:
            return world.users[who]
    return SYSTEM


def random_override(world: Any, rng: random.Random, pk: int, categories: list[Any]) -> None:
    """The center overrides the case's triage with a random category, channel and track."""
    from xietong.triage.services import case_triage_override

    case_triage_override(
        case=pk,
        actor=world.users["admin"],
        category=rng.choice(categories),
        channel=rng.choice(Channel.values),
        track=rng.choice(Track.values),
        team=None,
        reason="随机",
    )


def random_transition(world: Any, rng: random.Random, state: dict[int, str], pk: int) -> bool:
    """Take a random step the table allows from the case's state; `state` follows (ended cases leave it).
    Whether a step was taken (a step refused by its own rules is not)."""
    t = rng.choice(transitions_from(state[pk]))
    try:
        moved = case_transition(case=pk, code=t.code, actor=actor_for(world, t.code), note="随机")
    except DomainError:
        return False
    state[pk] = moved.state
    if moved.state in ENDED:
        del state[pk]
    return True

from __future__ import annotations

import re

import pytest

from xietong.cases.services import case_start_mediation
from xietong.notifications.backends import LocmemSmsBackend


@pytest.fixture
def outbox():
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox


@pytest.fixture
def mediating(world):
    """The world's bank case, in mediation: the borrower (the party user acts for him) and the bank."""
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    case.refresh_from_db()
    return case


def last_code(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1].text).group()

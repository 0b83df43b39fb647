"""The debtor's phone page: the relative acting for the borrower sees the plan, one compact table."""

from __future__ import annotations

from django.test import Client

from .conftest import make_performing


def test_my_repayments_shows_the_next_instalment_and_a_compact_plan_of_24(world, django_capture_on_commit_callbacks):
    case = make_performing(world, world.cases["bank"], django_capture_on_commit_callbacks, months=24)
    party = Client()
    party.force_login(world.users["party"])  # the borrower's brother, acting under his authorisation
    page = party.get("/my/repayments/").content.decode()
    assert case.number in page and 'data-testid="next-due"' in page
    assert page.count("<tr>") == 25  # the header and 24 instalments, in one table
    assert 'class="list"' not in page  # no stacked cards on the phone
    stranger = Client()
    stranger.force_login(world.users["stranger"])
    assert case.number not in stranger.get("/my/repayments/").content.decode()
    bank = Client()
    bank.force_login(world.users["bank"])
    assert bank.get("/my/repayments/").status_code == 403

"""The counts per stratum, week by week: court staff see every count, regulators their remit with small cells hidden."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.services import organisation_create, user_create
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Product
from xietong.risk.choices import Dimension, RespondentKind
from xietong.risk.selectors import weekly_counts
from xietong.risk.services import named_respondent_record

from .test_services import dispute, simulate, villager

pytestmark = pytest.mark.django_db


@pytest.fixture
def counts(world):
    today = timezone.localdate()
    # Eight weeks of one product: 7 a week, then 3; a second product with 2 disputes in all.
    simulate(Dimension.PRODUCT, "credit_card", [1] * 49 + [0, 0, 0, 0, 1, 1, 1], last=today)
    simulate(Dimension.PRODUCT, "mortgage", [0] * 54 + [1, 1], last=today)
    # A person named as respondent by one claimant.
    case = dispute(world, villager(70), at=timezone.now())
    named_respondent_record(actor=SYSTEM, case=case, name="张三丰", kind=RespondentKind.PERSON)
    simulate(Dimension.RESPONDENT, "name:张三丰", [0] * 55 + [6], last=today, label="张三丰")
    return today


def page(world, role, **params):
    c = Client()
    c.force_login(world.users[role])
    return c.get("/risk/counts/", params, HTTP_ACCEPT_LANGUAGE="en")


def test_court_staff_see_every_count(world, counts):
    table = weekly_counts(actor=world.users["clerk"], dimension=Dimension.PRODUCT, today=counts)
    rows = {r["label"]: r for r in table["rows"]}
    assert [c["n"] for c in rows[str(Product.CREDIT_CARD.label)]["cells"]] == [7] * 7 + [3]
    card = rows[str(Product.CREDIT_CARD.label)]
    assert card["total"] == 52 and not card["total_hidden"]
    mortgage = rows[str(Product.MORTGAGE.label)]
    assert [c["n"] for c in mortgage["cells"]] == [0] * 7 + [2] and not mortgage["cells"][-1]["hidden"]
    html = page(world, "clerk", dimension="product").content.decode()
    assert 'data-testid="risk-counts"' in html and "<5" not in html and "&lt;5" not in html


def test_regulators_see_small_cells_hidden_small_strata_merged_and_persons_masked(world, counts):
    with translation.override("en"):
        table = weekly_counts(actor=world.users["regulator"], dimension=Dimension.PRODUCT, today=counts)
        labels = [r["label"] for r in table["rows"]]
    assert len(labels) == 2 and "1 other strata, each under 5" in labels[1]
    card = table["rows"][0]
    assert [c["hidden"] for c in card["cells"]] == [False] * 7 + [True]
    assert card["total_hidden"]  # 52 minus the seven visible weeks would give the hidden 3 away
    merged = table["rows"][1]
    assert merged["total_hidden"] and [c["hidden"] for c in merged["cells"]][-1]
    html = page(world, "regulator", dimension="product").content.decode()
    assert "&lt;5" in html and 'data-testid="risk-counts-suppressed"' in html
    counts_table = html[html.index('data-testid="risk-counts"') :].split("</table>")[0]
    assert ">52<" not in counts_table and "52" not in counts_table.replace(" ", "")  # no total gives the 3 away
    html = page(world, "regulator", dimension="respondent").content.decode()
    assert "张某某" in html and "张三丰" not in html
    assert "张三丰" in page(world, "clerk", dimension="respondent").content.decode()


def test_a_regulator_sees_only_its_remit_and_others_are_refused(world, counts):
    banking = organisation_create(actor=SYSTEM, kind=OrganisationKind.BANKING_REGULATOR, name="龙岩金融监管分局")
    user_create(actor=SYSTEM, username="nfra", password="x-Pass-1234", role=Role.REGULATOR, organisation=banking)
    c = Client()
    c.force_login(banking.users.get())
    html = c.get("/risk/counts/", {"dimension": "respondent"}).content.decode()
    assert 'value="respondent"' not in html and "张三丰" not in html and "张某某" not in html
    for role in ("bank", "mediator", "party", "station"):
        assert page(world, role).status_code == 403, role
    assert Client().get("/risk/counts/").status_code == 302


def test_the_weeks_end_today(world, counts):
    table = weekly_counts(actor=world.users["admin"], dimension=Dimension.PRODUCT, today=counts)
    assert table["weeks"][-1][1] == counts and table["weeks"][0][0] == counts - dt.timedelta(days=55)

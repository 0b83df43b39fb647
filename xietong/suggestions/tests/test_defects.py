"""The defect register: each defect per institution and month with its own denominator, and who sees it."""

from __future__ import annotations

import pytest
from django.test import Client

from xietong.batches.choices import BatchStatus, SourceFormat
from xietong.batches.models import Batch, BatchRow
from xietong.intake.models import ServiceAddressConfirmation
from xietong.service.choices import AttemptMethod, DocumentKind, Outcome
from xietong.service.services import service_attempt_record, service_send
from xietong.service.tests.conftest import PDF, on_file, person_party
from xietong.suggestions.choices import Defect
from xietong.suggestions.selectors import defect_register, defect_source_register, register_scope

pytestmark = pytest.mark.django_db


def cell(rows, institution, defect, detail=""):
    found = [
        r for r in rows if r["institution_id"] == institution.pk and r["defect"] == defect and r["detail"] == detail
    ]
    return (sum(r["count"] for r in found), sum(r["denominator"] for r in found))


def post(world, key, outcome):
    case = world.cases[key]
    party = person_party(case)
    if not party.person.addresses.exists():
        on_file(party.person)
    doc = service_send(
        actor=world.users["clerk"],
        case=case,
        kind=DocumentKind.NOTICE,
        title=key,
        content=PDF + outcome.encode(),
        filename="n.pdf",
    )
    service_attempt_record(
        actor=world.users["clerk"],
        record=doc.records.get(recipient=party),
        method=AttemptMethod.POSTAL,
        outcome=outcome,
    )


def test_address_failures_are_counted_against_letters_and_visits_with_a_known_outcome(world):
    post(world, "bank", Outcome.MOVED)
    post(world, "other_bank", Outcome.DELIVERED)
    post(world, "other_bank", Outcome.NO_ONE_HOME)  # a failure, but not the address's fault
    rows = defect_register()
    assert cell(rows, world.bank, Defect.SERVICE_ADDRESS) == (1, 1)
    assert cell(rows, world.other_bank, Defect.SERVICE_ADDRESS) == (0, 2)


def test_confirmations_missing_incomplete_and_unsigned(world):
    case = world.cases["bank"]
    person = person_party(case).person
    ServiceAddressConfirmation.objects.filter(case=case).delete()
    before = defect_register(institution=world.bank)
    missing, parties = cell(before, world.bank, Defect.SAC_MISSING_INTAKE)
    assert parties >= 1 and missing >= 1
    ServiceAddressConfirmation.objects.create(case=case, person=person, address="某街1号", phone="", confirmed_by=None)
    after = defect_register(institution=world.bank)
    assert cell(after, world.bank, Defect.SAC_MISSING_INTAKE) == (missing - 1, parties)
    n, total = cell(after, world.bank, Defect.SAC_INCOMPLETE)
    assert n == cell(before, world.bank, Defect.SAC_INCOMPLETE)[0] + 1
    assert total == cell(before, world.bank, Defect.SAC_INCOMPLETE)[1] + 1
    assert cell(after, world.bank, Defect.SAC_UNSIGNED)[0] == cell(before, world.bank, Defect.SAC_UNSIGNED)[0] + 1


def test_refused_batch_rows_by_reason_against_rows_checked(world):
    batch = Batch.objects.create(
        institution=world.other_bank,
        file="batches/x.csv",
        original_name="x.csv",
        source_format=SourceFormat.CSV,
        size=1,
        sha256="0" * 64,
        status=BatchStatus.CHECKED,
    )
    BatchRow.objects.create(batch=batch, number=2, is_valid=True)
    BatchRow.objects.create(
        batch=batch, number=3, errors=[{"code": "id_checksum"}, {"code": "amount"}, {"code": "amount"}]
    )
    BatchRow.objects.create(batch=batch, number=4, errors=[{"code": "duplicate"}], is_duplicate=True)
    rows = defect_register(institution=world.other_bank)
    assert cell(rows, world.other_bank, Defect.BATCH_REFUSED) == (1, 3)
    assert cell(rows, world.other_bank, Defect.BATCH_REFUSED, "id_checksum") == (1, 3)
    assert cell(rows, world.other_bank, Defect.BATCH_REFUSED, "amount") == (1, 3)
    assert not [r for r in rows if r["institution_id"] != world.other_bank.pk]


def test_an_operator_is_limited_to_their_institution(world):
    post(world, "bank", Outcome.MOVED)
    post(world, "other_bank", Outcome.MOVED)
    allowed, institution = register_scope(world.users["other_bank"])
    assert allowed and institution == world.other_bank
    rows = defect_register(institution=institution)
    assert rows and {r["institution_id"] for r in rows} == {world.other_bank.pk}
    assert register_scope(world.api_client) == (True, world.bank)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("clerk", True), ("judge", True), ("regulator", True), ("bank", True), ("mediator", False)],
)
def test_who_may_see_the_register(world, who, allowed):
    assert register_scope(world.users[who])[0] is allowed


def plan(case, **kw):
    from decimal import Decimal

    from xietong.repayment.models import RepaymentPlan

    return RepaymentPlan.objects.create(
        case=case,
        version=kw.pop("version", 1),
        basis_kind="confirmation",
        total=Decimal("1000.00"),
        grace_days=15,
        default_after_missed=1,
        accelerate=False,
        **kw,
    )


def test_plans_defaulted_are_counted_against_the_plans_made(world):
    from django.utils import timezone

    plan(world.cases["bank"], status="defaulted", defaulted_at=timezone.now())
    plan(world.cases["other_court"], status="active")
    plan(world.cases["other_bank"], status="superseded", version=1, defaulted_at=timezone.now())
    plan(world.cases["other_bank"], status="active", version=2)
    rows = defect_register()
    assert cell(rows, world.bank, Defect.PLAN_DEFAULTED) == (1, 2)
    assert cell(rows, world.other_bank, Defect.PLAN_DEFAULTED) == (0, 1)  # the replaced version is not counted
    c = Client()
    c.force_login(world.users["clerk"])
    body = c.get("/suggestions/defects/").content.decode()
    assert 'data-testid="not-measured"' not in body
    assert "还款计划违约" in body or str(Defect.PLAN_DEFAULTED.label) in body


def test_another_app_may_add_a_source_and_a_window_bounds_every_source(world, monkeypatch):
    from django.utils import timezone

    from xietong.suggestions import selectors

    monkeypatch.setattr(selectors, "_EXTRA_SOURCES", {})
    defect_source_register(
        Defect.PLAN_DEFAULTED, lambda inst, since, until: [((world.bank.pk, "2026-11", "plan_defaulted", ""), 2, 5)]
    )
    assert cell(defect_register(), world.bank, Defect.PLAN_DEFAULTED) == (2, 5)
    post(world, "bank", Outcome.MOVED)
    assert cell(defect_register(), world.bank, Defect.SERVICE_ADDRESS) == (1, 1)
    assert cell(
        defect_register(until=timezone.now() - timezone.timedelta(days=1)), world.bank, Defect.SERVICE_ADDRESS
    ) == (0, 0)


def test_address_failures_say_where_the_address_came_from(world):
    post(world, "bank", Outcome.ADDRESS_WRONG)
    rows = defect_register(institution=world.bank)
    assert cell(rows, world.bank, Defect.SERVICE_ADDRESS, "on_file") == (1, 1)
    assert cell(rows, world.bank, Defect.SERVICE_ADDRESS) == (1, 1)


@pytest.mark.parametrize("who", ["admin", "clerk", "regulator"])
def test_the_page_names_institutions_and_no_person(world, who):
    post(world, "bank", Outcome.ADDRESS_WRONG)
    post(world, "other_bank", Outcome.MOVED)
    c = Client()
    c.force_login(world.users[who])
    resp = c.get("/suggestions/defects/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert world.bank.display_name in body and world.other_bank.display_name in body
    for person in world.persons.values():
        assert person.name not in body
    for case in world.cases.values():
        assert not case.number or case.number not in body


@pytest.mark.parametrize("who", ["mediator", "party", "station"])
def test_the_page_is_not_for_others(world, who):
    c = Client()
    c.force_login(world.users[who])
    assert c.get("/suggestions/defects/").status_code == 403


def test_candidates_are_for_court_staff_and_show_the_figures(world, monkeypatch):
    from django.utils import timezone

    from xietong.suggestions import views
    from xietong.suggestions.candidates import months_back

    recent = months_back(timezone.localdate(), 3)
    rows = []
    for month in recent[1:]:
        for inst, count in ((world.bank, 20), (world.other_bank, 4)):
            rows.append(
                {"institution_id": inst.pk, "institution": inst.display_name, "month": month,
                 "defect": Defect.SAC_INCOMPLETE, "detail": "", "count": count, "denominator": 40}
            )  # fmt: skip
    monkeypatch.setattr(views, "defect_register", lambda **kw: rows)
    c = Client()
    c.force_login(world.users["clerk"])
    body = c.get("/suggestions/candidates/").content.decode()
    assert body.count('data-testid="candidate-row"') == 1
    assert world.bank.display_name in body and "40/80" not in body and "8/80" in body  # the others' figures
    for who in ("regulator", "bank", "mediator"):
        other = Client()
        other.force_login(world.users[who])
        assert other.get("/suggestions/candidates/").status_code == 403


@pytest.mark.parametrize(
    ("address", "name", "unclear"),
    [
        ("福建省龙岩市新罗区西城街道中山路36号3幢502室", "黄大明", False),
        ("龙岩市新罗区小池镇培斜村3组12号", "林阿婆", False),
        ("福建省龙岩市新罗区", "黄大明", True),  # a district, no house
        ("龙岩市新罗区西城街道中山路", "黄大明", True),  # a street, no number
        ("黄大明 龙岩市新罗区中山路36号", "黄大明", True),  # the name written into the address
        ("见申请表", "", True),
        ("万安镇溪口村十二组", "", False),
    ],
)
def test_an_unclear_address(address, name, unclear):
    from xietong.suggestions.selectors import address_is_unclear

    assert address_is_unclear(address, name) is unclear


def test_unclear_confirmations_are_counted_against_confirmations(world):
    case = world.cases["bank"]
    person = person_party(case).person
    ServiceAddressConfirmation.objects.filter(case=case).delete()
    ServiceAddressConfirmation.objects.create(case=case, person=person, address=f"{person.name}，新罗区", phone="1")
    other = world.cases["other_bank"]
    ServiceAddressConfirmation.objects.filter(case=other).delete()
    ServiceAddressConfirmation.objects.create(
        case=other, person=person_party(other).person, address="龙岩市新罗区中山路36号", phone="1"
    )
    rows = defect_register()
    assert cell(rows, world.bank, Defect.SAC_UNCLEAR) == (1, 1)
    assert cell(rows, world.other_bank, Defect.SAC_UNCLEAR)[0] == 0
    from xietong.suggestions.selectors import defect_cases

    found = defect_cases(defect=Defect.SAC_UNCLEAR, institution=world.bank, since=None, until=None)
    assert list(found) == [case]


def test_an_institution_never_sees_anothers_defects_on_the_page(world):
    post(world, "bank", Outcome.MOVED)
    post(world, "other_bank", Outcome.DELIVERED)
    c = Client()
    c.force_login(world.users["other_bank"])
    body = c.get("/suggestions/defects/").content.decode()
    assert world.other_bank.display_name in body and world.bank.display_name not in body
    c.force_login(world.users["bank"])
    body = c.get("/suggestions/defects/").content.decode()
    assert world.bank.display_name in body and world.other_bank.display_name not in body

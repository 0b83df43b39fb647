"""The case's status document (cases/status.py) and its call, GET /api/v1/cases/{id}/status: rebuilt
where it went stale, agreeing with the full case, visible to exactly whoever may see the case,
answered in two reads with an ETag, and refused as the full case is refused. (Random steps against
a fresh build: tests/test_case_status.py, which may take the other apps' steps too.)"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from xietong.accounts.permissions import may
from xietong.accounts.services import api_client_create
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, Product
from xietong.cases.models import Case, CaseStatusDoc, Category
from xietong.cases.services import case_transition
from xietong.cases.status import (
    _with_sections,
    case_status_read,
    case_status_refresh,
    status_docs_build,
    status_docs_deferred,
    status_docs_rebuild,
    status_docs_stale,
)
from xietong.core.idgen import id_number_from
from xietong.parties.services import person_create

pytestmark = pytest.mark.django_db


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def stored(case_id: int) -> CaseStatusDoc:
    return CaseStatusDoc.objects.get(pk=case_id)


def assert_fresh(case_ids) -> None:
    built = status_docs_build(case_ids)
    for pk in case_ids:
        doc = stored(pk)
        fresh = built[pk]
        assert json.loads(doc.body) == json.loads(fresh.body), pk
        assert (doc.court_id, doc.station_id, doc.mediator_id, doc.parties, doc.etag) == fresh.row(), pk


# Kept equal to a fresh build -----------------------------------------------------------------------


def test_a_document_that_went_stale_is_found_and_rebuilt(world):
    case = world.cases["bank"]
    CaseStatusDoc.objects.filter(pk=case.pk).update(body="{}", etag="x")
    CaseStatusDoc.objects.filter(pk=world.cases["station"].pk).delete()
    assert status_docs_stale() == sorted([case.pk, world.cases["station"].pk])
    version = stored(case.pk).version
    assert status_docs_rebuild() == 2
    assert status_docs_stale() == []
    assert stored(case.pk).version == version + 1 and stored(world.cases["station"].pk).version == 1


def test_the_command_checks_then_rebuilds(world):
    from io import StringIO

    from django.core.management import call_command

    CaseStatusDoc.objects.filter(pk=world.cases["bank"].pk).delete()
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("case_status_rebuild", "--check", stdout=out)
    assert "1 of 4" in out.getvalue()
    assert not CaseStatusDoc.objects.filter(pk=world.cases["bank"].pk).exists()
    call_command("case_status_rebuild", stdout=out)
    assert status_docs_stale() == []
    call_command("case_status_rebuild", "--check", stdout=out)  # nothing stale: no exit


def test_within_a_deferred_block_each_document_is_rebuilt_once_at_its_end(world):
    bank, station = world.cases["bank"], world.cases["station"]
    before = {pk: stored(pk).version for pk in (bank.pk, station.pk)}
    with status_docs_deferred() as pending:
        case_transition(case=bank.pk, code="withdraw", actor=world.users["admin"], note="和解")
        with status_docs_deferred() as inner:  # a nested block joins the outer one
            assert inner is pending
            case_transition(case=station.pk, code="withdraw", actor=world.users["admin"], note="和解")
        assert pending == {bank.pk, station.pk}
        # Not yet written; a read within the block answers the case as it is now all the same.
        assert stored(bank.pk).version == before[bank.pk]
        assert json.loads(stored(bank.pk).body)["state"] != "withdrawn"
        assert json.loads(case_status_read(bank.pk).body)["state"] == "withdrawn"
    assert {pk: stored(pk).version for pk in before} == {pk: v + 1 for pk, v in before.items()}
    assert status_docs_stale() == []
    # Outside a block a timeline event rebuilds its case's document at once again.
    case_transition(case=world.cases["other_bank"].pk, code="withdraw", actor=world.users["admin"], note="和解")
    assert_fresh([world.cases["other_bank"].pk])


def test_a_deferred_block_that_fails_writes_nothing(world):
    bank = world.cases["bank"]
    body = stored(bank.pk).body
    with pytest.raises(RuntimeError), status_docs_deferred():
        CaseStatusDoc.objects.filter(pk=bank.pk).update(body="{}")
        case_status_refresh(bank.pk)  # marked: a rebuild at the end would repair the document
        raise RuntimeError
    assert stored(bank.pk).body == "{}" != body  # no rebuild ran after the failure
    assert case_status_read(bank.pk).body == "{}"  # and the block no longer holds the case


def test_a_new_colour_of_a_category_reaches_its_cases_documents(world, client):
    case = world.cases["bank"]
    category = case.category
    assert json.loads(stored(case.pk).body)["colour"] is None
    client.force_login(world.users["admin"])
    r = client.post(
        f"/admin/cases/category/{category.pk}/change/",
        {
            "name": category.name,
            "code": category.code,
            "colour": "red",
            "description": "",
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert r.status_code == 302, r.content[:500]
    assert json.loads(stored(case.pk).body)["colour"] == "red"
    assert status_docs_stale() == []


def test_cases_opened_in_bulk_get_their_documents(world):
    """Built from the first case's (cases/status.py: status_docs_insert_opened): each equals a fresh build."""
    from django.db import transaction

    from xietong.cases.bulk import NewCase, cases_create_bulk

    persons = [person_create(actor=SYSTEM, name=f"丁{n}", id_number=id_number_from(720_000 + n)) for n in range(5)]
    categories = [None, *Category.objects.order_by("pk").values_list("pk", flat=True)]
    disputes = [
        NewCase(
            p.pk,
            Product.CREDIT_CARD,
            Decimal("100.00") + n,
            Decimal("1.00"),
            Decimal("0.00"),
            category_id=categories[n % len(categories)],
            channel=["mediable", "hard_to_enforce", "group_risk"][n % 3],
            track=["", "fast", "normal"][n % 3],
        )
        for n, p in enumerate(persons)
    ]
    with transaction.atomic():
        created = cases_create_bulk(
            actor=SYSTEM,
            court=world.court,
            institution=world.bank,
            door=Door.API,
            disputes=disputes,
            transition="triage",
        )
    assert_fresh(created.case_ids)
    assert status_docs_stale() == []
    bodies = [json.loads(stored(pk).body) for pk in created.case_ids]
    assert [b["number"] for b in bodies] == created.numbers.texts
    assert len({b["colour"] for b in bodies}) > 1 and len({b["channel"] for b in bodies}) == 3
    assert all(b["state"] == "triaged" and b["latest_step"]["kind"] == "triage" for b in bodies)
    c = bearer(world.api_token)
    assert c.get(f"/api/v1/cases/{created.case_ids[-1]}/status").json() == bodies[-1]
    assert bearer(world.other_api_token).get(f"/api/v1/cases/{created.case_ids[-1]}/status").status_code == 404


# What the document says, against the full case ------------------------------------------------------


@pytest.fixture
def language_kept():
    """A request in English leaves English active in this thread: the tests after it expect Chinese."""
    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_document_agrees_with_the_full_case(world, language, language_kept):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(world.users["admin"])
    for key, case in world.cases.items():
        full = c.get(f"/api/v1/cases/{case.pk}").json()
        status = c.get(f"/api/v1/cases/{case.pk}/status")
        assert status.status_code == 200, key
        doc = status.json()
        for field in ("id", "number", "state", "channel", "track", "colour", "closed_at"):
            assert doc[field] == full[field], (key, field)
        assert doc["state_label"][language] == full["state_label"]
        assert [(n["kind"], n["text"], n["assigned_at"]) for n in doc["numbers"]] == [
            (n["kind"], n["text"], n["assigned_at"]) for n in full["numbers"]
        ]
        assert [n["kind_label"][language] for n in doc["numbers"]] == [n["kind_label"] for n in full["numbers"]]
        newest = full["events"][-1]
        assert (doc["latest_step"]["kind"], doc["latest_step"]["at"]) == (newest["kind"], newest["at"])
        assert doc["updated_at"] >= newest["at"]


def test_the_body_is_what_the_openapi_document_describes(world):
    from xietong.cases.api import status_schema

    schema = status_schema()
    for case in world.cases.values():
        schema.model_validate_json(stored(case.pk).body)
    assert "repayment" in json.loads(stored(world.cases["bank"].pk).body)


def test_next_is_the_nearest_and_a_time_comes_before_the_end_of_its_day():
    """`next` among the sections' dates: the hearing (judiciary) and the instalment due (repayment)."""
    day = dt.date(2027, 3, 1)
    hearing = {
        "kind": "hearing",
        "label": {},
        "on": day,
        "at": dt.datetime(2027, 3, 1, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
    }
    due = {"kind": "instalment_due", "label": {}, "on": day, "at": None}
    due_before = {**due, "on": day - dt.timedelta(days=1)}
    for sections, want in (
        ({"repayment": {1: {"next": due}}, "hearing": {1: {"next": hearing}}}, "hearing"),
        ({"hearing": {1: {"next": hearing}}, "repayment": {1: {"next": due}}}, "hearing"),
        ({"repayment": {1: {"next": due_before}}, "hearing": {1: {"next": hearing}}}, "instalment_due"),
    ):
        body: dict = {}
        _with_sections(body, sections, 1)
        assert body["next"]["kind"] == want


# Who may see it ----------------------------------------------------------------------------------


def test_the_document_is_visible_to_exactly_whoever_may_see_the_case(world):
    from xietong.parties.models import Authorisation

    actors = list(world.users.values())
    actors.append(world.api_client)
    other_client, _token = api_client_create(actor=SYSTEM, organisation=world.other_bank, name="另一系统")
    actors.append(other_client)

    def compare() -> list[str]:
        wrong = []
        for actor in actors:
            for key, case in world.cases.items():
                want = Case.objects.restrict(actor).filter(pk=case.pk).exists()
                if may(actor, "cases.view_status", case_status_read(case.pk)) != want:
                    wrong.append(f"{actor} {key}: expected {want}")
        return wrong

    assert compare() == []
    assert may(world.users["party"], "cases.view_status", case_status_read(world.cases["bank"].pk))  # acting
    Authorisation.objects.update(revoked_at="2026-01-01T00:00:00Z")  # the relative's authorisation lapses
    world.users["party"]._person_id_cache = False
    assert not may(world.users["party"], "cases.view_status", case_status_read(world.cases["bank"].pk))
    assert compare() == []


# The call ----------------------------------------------------------------------------------------


def test_the_call_answers_the_stored_body_with_an_etag_and_304_while_nothing_changed(world):
    case = world.cases["bank"]
    c = bearer(world.api_token)
    r = c.get(f"/api/v1/cases/{case.pk}/status")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    doc = stored(case.pk)
    assert r.content == doc.body.encode() and r["ETag"] == f'"{doc.etag}"'
    assert "no-cache" in r["Cache-Control"]
    for sent in (r["ETag"], f"W/{r['ETag']}", f'"other", {r["ETag"]}', "*"):
        again = c.get(f"/api/v1/cases/{case.pk}/status", HTTP_IF_NONE_MATCH=sent)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == r["ETag"], sent
    assert c.get(f"/api/v1/cases/{case.pk}/status", HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # The case changes: a new body, a new tag.
    case_transition(case=case.pk, code="start_mediation", actor=world.users["mediator"])
    changed = c.get(f"/api/v1/cases/{case.pk}/status", HTTP_IF_NONE_MATCH=r["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != r["ETag"]
    assert changed.json()["state"] == "mediating" and stored(case.pk).version == doc.version + 1


def test_the_call_reads_twice_and_writes_nothing(world):
    case = world.cases["bank"]
    c = bearer(world.api_token)
    assert c.get(f"/api/v1/cases/{case.pk}/status").status_code == 200  # brings last_used_at up to date
    with CaptureQueriesContext(connection) as queries:
        assert c.get(f"/api/v1/cases/{case.pk}/status").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2 and all(s.lstrip().upper().startswith("SELECT") for s in sql), sql
    assert "cases_casestatusdoc" in sql[1]


def test_a_case_without_a_document_is_answered_all_the_same_and_nothing_is_written(world):
    case = world.cases["bank"]
    expected = stored(case.pk).body
    CaseStatusDoc.objects.filter(pk=case.pk).delete()
    c = bearer(world.api_token)
    c.get("/api/v1/me")  # brings the token's last_used_at up to date
    with CaptureQueriesContext(connection) as queries:
        r = c.get(f"/api/v1/cases/{case.pk}/status")
    assert r.status_code == 200 and r.content == expected.encode()
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in queries)
    assert not CaseStatusDoc.objects.filter(pk=case.pk).exists()
    other = bearer(world.other_api_token).get(f"/api/v1/cases/{case.pk}/status")
    assert other.status_code == 404


@pytest.mark.parametrize("path", ["{other}", "999999", "0", "abc", "1.5", "-3", "99999999999999999999999", str(2**63)])
def test_what_the_caller_may_not_see_is_the_same_404_as_the_full_case(world, path):
    """Another bank's case, a forged id, a value that is no id: the same JSON 404 as the full case's."""
    path = path.format(other=world.cases["other_bank"].pk)
    c = bearer(world.api_token)
    full = c.get(f"/api/v1/cases/{path}")
    status = c.get(f"/api/v1/cases/{path}/status")
    assert full.status_code == status.status_code == 404, (full.content, status.content)
    assert status.json() == full.json() and status.json()["error"]["code"] == "not_found"
    assert "ETag" not in status


def test_the_call_needs_a_token_or_a_session(world):
    case = world.cases["bank"]
    r = Client().get(f"/api/v1/cases/{case.pk}/status")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    forged = bearer(world.api_token[:-2] + "xx").get(f"/api/v1/cases/{case.pk}/status")
    assert forged.status_code == 401 and forged.json() == r.json()

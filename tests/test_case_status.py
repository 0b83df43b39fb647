"""The case's status document (xietong/cases/status.py) stays equal to a fresh build through hundreds of
random steps of every kind that changes it: opening, transitions (numbers issued on the way), mediator
assignments, triage overrides."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest

from tests.support.walk import random_override, random_transition
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.models import Case, CaseStatusDoc, Category
from xietong.cases.services import PersonParty, case_assign_mediator, case_create
from xietong.cases.status import status_docs_build, status_docs_rebuild, status_docs_stale
from xietong.core.idgen import id_number_from
from xietong.parties.services import person_create

pytestmark = pytest.mark.django_db


def assert_fresh(case_ids) -> None:
    built = status_docs_build(case_ids)
    for pk in case_ids:
        doc = CaseStatusDoc.objects.get(pk=pk)
        fresh = built[pk]
        assert json.loads(doc.body) == json.loads(fresh.body), pk
        assert (doc.court_id, doc.station_id, doc.mediator_id, doc.parties, doc.etag) == fresh.row(), pk


def test_after_random_steps_every_stored_document_equals_a_fresh_build(
    world, no_guards, django_capture_on_commit_callbacks
):
    rng = random.Random(16)
    persons = [person_create(actor=SYSTEM, name=f"丙{n}", id_number=id_number_from(710_000 + n)) for n in range(6)]
    categories = [None, *Category.objects.all()]
    open_cases: dict[int, str] = {}
    taken = 0
    for step in range(900):
        with django_capture_on_commit_callbacks(execute=True):
            roll = rng.random()
            if roll < 0.08 or len(open_cases) < 12:
                case = case_create(
                    actor=SYSTEM,
                    court=rng.choice([world.court, world.other_court]),
                    institution=rng.choice([world.bank, world.other_bank]),
                    product=rng.choice(Product.values),
                    door=rng.choice([Door.ONLINE, Door.COUNTER, Door.API]),
                    persons=[PersonParty(person=rng.choice(persons), role=PartyRole.RESPONDENT)],
                    principal=Decimal(rng.randrange(100, 9_999_999)) / 100,
                    category=rng.choice(categories),
                )
                open_cases[case.pk] = case.state
                continue
            pk = rng.choice(sorted(open_cases))
            if roll < 0.12 and open_cases[pk] in ("submitted", "triaged", "mediating"):
                case_assign_mediator(
                    case=pk,
                    actor=world.users["admin"],
                    mediator=rng.choice([world.users["mediator"], world.users["other_mediator"]]),
                )
                continue
            if roll < 0.16 and open_cases[pk] in ("triaged", "mediating", "agreement"):
                random_override(world, rng, pk, categories)
                continue
            taken += random_transition(world, rng, open_cases, pk)
        if step % 150 == 0:
            assert status_docs_stale() == [], step
    assert taken > 300
    assert Case.objects.filter(numbers__kind="执").exists()  # numbers issued on the way
    assert status_docs_stale() == []
    every = list(Case.objects.values_list("pk", flat=True))
    assert_fresh(every)
    versions = dict(CaseStatusDoc.objects.values_list("pk", "version"))
    assert status_docs_rebuild() == 0  # nothing to write: every document is current
    assert dict(CaseStatusDoc.objects.values_list("pk", "version")) == versions

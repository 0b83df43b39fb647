"""Bulk inserts: rows derived in SQL follow exactly the given source rows, a range or not."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.core.bulk import BulkWriter

pytestmark = pytest.mark.django_db

COLUMNS = ("kind", "name", "short_name", "court_code", "court_level", "uscc", "region", "address", "phone")


def courts(w: BulkWriter, n: int) -> list[int]:
    ids = w.reserve_ids(Organisation, n)
    w.insert(
        Organisation,
        ("id", *COLUMNS),
        (
            (pk, OrganisationKind.COURT.value, f"法院{k}", "", f"闽08{k:02d}", "", "", "", "", "")
            for k, pk in enumerate(ids)
        ),
    )
    return ids


def copies(w: BulkWriter, ids: list[int]) -> None:
    w.insert_derived(
        Organisation,
        COLUMNS,
        "s.\"kind\", s.\"name\" || %s, '', s.\"court_code\" || %s, '', '', '', '', ''",
        [" copy", "x"],
        source=Organisation,
        ids=ids,
    )


@pytest.mark.parametrize("pick", ["a range", "with gaps"])
def test_rows_derived_in_sql_follow_exactly_the_given_rows(pick):
    with transaction.atomic():
        w = BulkWriter(timezone.now())
        ids = courts(w, 5)
        chosen = ids[1:4] if pick == "a range" else [ids[0], ids[2], ids[4]]
        copies(w, chosen)
    got = list(Organisation.objects.filter(name__endswith=" copy").order_by("pk").values_list("name", "court_code"))
    assert got == [(f"法院{ids.index(pk)} copy", f"闽08{ids.index(pk):02d}x") for pk in chosen]
    made = Organisation.objects.get(pk=ids[0])
    assert made.is_active and made.created_at is not None  # NOT NULL columns not given: the model's defaults


def test_the_hook_runs_after_every_insert_and_nothing_is_reserved_for_nothing():
    calls = []
    with transaction.atomic():
        w = BulkWriter(timezone.now(), after_insert=lambda: calls.append(1))
        assert w.reserve_ids(Organisation, 0) == []
        copies(w, courts(w, 2))
        copies(w, [])  # nothing to derive: no statement, no hook
    assert len(calls) == 2

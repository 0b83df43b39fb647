"""Daily counts per stratum (`DailyCount`), built from the cases themselves.

A case falls into these strata on the local day it was submitted:
* its institution, product, category, district (the region of its claimants' address) and door,
  and its named respondent if it names one that is not a licensed institution — unless
* it is an institution's own delivery (door `batch` or `api`): then it counts only under
  `collection` for that institution. A bank's batch is its collection work, not complaints against it.

"Claimants" are the distinct natural persons on the case's citizen side (every person party).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.cases.definitions import INSTITUTION_DOORS
from xietong.cases.models import Case, CaseParty, Category
from xietong.parties.models import Address

from .choices import Dimension
from .models import DailyCount, NamedRespondent

OWN_DOORS = INSTITUTION_DOORS  # where the institution applies (cases.definitions.roles_for_door)
CHUNK = 5000


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = local_tz()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def is_own_delivery(*, door: str, institution_id: int | None) -> bool:
    return door in OWN_DOORS and institution_id is not None


def case_strata(
    *,
    institution_id: int | None,
    product: str,
    category_id: int | None,
    door: str,
    district: str,
    respondent_key: str | None,
) -> list[tuple[str, str]]:
    """The (dimension, key) strata one case counts in. The one definition for counting and triage."""
    if is_own_delivery(door=door, institution_id=institution_id):
        return [(Dimension.COLLECTION, str(institution_id))]
    out: list[tuple[str, str]] = [(Dimension.PRODUCT, product), (Dimension.DOOR, door)]
    if institution_id is not None:
        out.append((Dimension.INSTITUTION, str(institution_id)))
    if category_id is not None:
        out.append((Dimension.CATEGORY, str(category_id)))
    if district:
        out.append((Dimension.DISTRICT, district))
    if respondent_key:
        out.append((Dimension.RESPONDENT, respondent_key))
    return out


def districts_of(case_ids: Iterable[int]) -> tuple[dict[int, str], dict[int, set[int]]]:
    """Per case: the district of its claimants (the first mainland address region found) and its persons."""
    ids = list(case_ids)
    persons: dict[int, set[int]] = defaultdict(set)
    for case_id, person_id in CaseParty.objects.filter(case_id__in=ids, person__isnull=False).values_list(
        "case_id", "person_id"
    ):
        persons[case_id].add(person_id)
    all_persons = {p for s in persons.values() for p in s}
    region: dict[int, str] = {}
    for person_id, reg in (
        Address.objects.filter(person_id__in=all_persons, country="CN")
        .exclude(region="")
        .order_by("pk")
        .values_list("person_id", "region")
    ):
        region.setdefault(person_id, reg.strip())
    district = {}
    for case_id, ps in persons.items():
        found = sorted(region[p] for p in ps if p in region)
        district[case_id] = found[0] if found else ""
    return district, persons


def case_strata_for(case: Case) -> list[tuple[str, str]]:
    """The strata of one stored case (read: its parties' addresses and its named respondent)."""
    district, _persons = districts_of([case.pk])
    key = NamedRespondent.objects.filter(case_id=case.pk).values_list("key", flat=True).first()
    return case_strata(
        institution_id=case.institution_id,
        product=case.product,
        category_id=case.category_id,
        door=case.door,
        district=district.get(case.pk, ""),
        respondent_key=key,
    )


def count_days(first: dt.date, last: dt.date) -> list[DailyCount]:
    """The count rows for the days first..last (local), computed from the cases. Reads only."""
    start, end = day_bounds(first, last)
    tz = local_tz()
    qs = (
        Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .order_by("pk")
        .values_list("pk", "submitted_at", "institution_id", "product", "category_id", "door", "named_respondent__key")
    )
    cases: dict[tuple[dt.date, str, str], int] = defaultdict(int)
    claimants: dict[tuple[dt.date, str, str], set[int]] = defaultdict(set)
    last_pk = 0
    while True:
        chunk = list(qs.filter(pk__gt=last_pk)[:CHUNK])
        if not chunk:
            break
        last_pk = chunk[-1][0]
        district, persons = districts_of(c[0] for c in chunk)
        for pk, at, inst, product, cat, door, rkey in chunk:
            day = at.astimezone(tz).date()
            for dim, key in case_strata(
                institution_id=inst,
                product=product,
                category_id=cat,
                door=door,
                district=district.get(pk, ""),
                respondent_key=rkey,
            ):
                cases[(day, dim, key)] += 1
                claimants[(day, dim, key)].update(persons.get(pk, ()))
    labels = stratum_labels(list(cases))
    return [
        DailyCount(
            day=day,
            dimension=dim,
            key=key,
            label=labels.get((dim, key), key)[:220],
            cases=n,
            claimants=len(claimants[(day, dim, key)]),
        )
        for (day, dim, key), n in sorted(cases.items())
    ]


def stratum_labels(keys: Iterable[tuple[dt.date, str, str] | tuple[str, str]]) -> dict[tuple[str, str], str]:
    pairs = {(k[-2], k[-1]) for k in keys}
    labels: dict[tuple[str, str], str] = {}
    org_ids = {int(k) for d, k in pairs if d in (Dimension.INSTITUTION, Dimension.COLLECTION)}
    orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    cat_ids = {int(k) for d, k in pairs if d == Dimension.CATEGORY}
    cats = dict(Category.objects.filter(pk__in=cat_ids).values_list("pk", "name"))
    rkeys = {k for d, k in pairs if d == Dimension.RESPONDENT}
    names = dict(NamedRespondent.objects.filter(key__in=rkeys).order_by("pk").values_list("key", "name"))
    for d, k in pairs:
        if d in (Dimension.INSTITUTION, Dimension.COLLECTION):
            labels[(d, k)] = orgs.get(int(k), k)
        elif d == Dimension.CATEGORY:
            labels[(d, k)] = cats.get(int(k), k)
        elif d == Dimension.RESPONDENT:
            labels[(d, k)] = names.get(k, k)
        else:
            labels[(d, k)] = k  # product and door codes, district names: shown through their choices
    return labels


@transaction.atomic
def risk_counts_rollup(*, day: dt.date) -> int:
    """Recount one day: its rows are replaced, so running it again changes nothing. Returns the rows."""
    rows = count_days(day, day)
    DailyCount.objects.filter(day=day).delete()
    DailyCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def risk_counts_rebuild(*, actor: object, first: dt.date | None = None, last: dt.date | None = None) -> int:
    """Recount every day from `first` (the first case) to `last` (today), a month per transaction."""
    if first is None:
        earliest = Case.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()
        if earliest is None:
            return 0
        first = earliest.astimezone(local_tz()).date()
    last = last or timezone.localdate()
    total = 0
    start = first
    while start <= last:
        stop = min(start + dt.timedelta(days=30), last)
        with transaction.atomic():
            rows = count_days(start, stop)
            DailyCount.objects.filter(day__gte=start, day__lte=stop).delete()
            DailyCount.objects.bulk_create(rows, batch_size=2000)
        total += len(rows)
        start = stop + dt.timedelta(days=1)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.RISK_COUNTS,
            object_type="risk.dailycount",
            object_id="",
            object_repr=f"{first}..{last}",
            after={"first": first, "last": last, "rows": total},
        )
    return total

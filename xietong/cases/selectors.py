"""Reads for cases: every list and lookup starts from `Case.objects.restrict(actor)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from xietong.core.validators import ID_RE, normalize_id_number

from .models import Case, CaseNumber, CaseParty


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    channel: str = ""
    colour: str = ""
    institution: int | None = None
    court: int | None = None
    q: str = ""
    # The figures' links to the cases behind a bar or a row (xietong/stats) use these too.
    product: str = ""
    track: str = ""
    door: str = ""
    category: int | None = None
    submitted_from: dt.date | None = None  # local dates, inclusive
    submitted_to: dt.date | None = None


def case_search_q(q: str) -> Q:
    """A case number, a person's name or a resident ID number.

    Each branch is `pk IN (subquery on an index)`: SQLite runs a correlated EXISTS once per case of
    the list (hundreds of ms at a million cases), the IN form is a few index probes (bench/README.md).
    """
    q = q.strip()
    if not q:
        return Q()
    idn = normalize_id_number(q)
    if ID_RE.match(idn):
        return Q(pk__in=CaseParty.objects.filter(person__id_number=idn).values("case_id"))
    if "号" in q or any(ch.isdigit() for ch in q):
        # Every number a case was given, the current one included, is in CaseNumber.
        return Q(pk__in=CaseNumber.objects.filter(text=q).values("case_id"))
    # A person's exact name (institutions have their own filter).
    return Q(pk__in=CaseParty.objects.filter(person__name=q).values("case_id"))


def local_midnight(day: dt.date) -> dt.datetime:
    """The first moment of a local (Asia/Shanghai) day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_list(*, actor: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    f = filters or CaseFilters()
    qs = Case.objects.restrict(actor)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.colour:
        qs = qs.filter(category__colour=f.colour)
    if f.institution:
        qs = qs.filter(institution_id=f.institution)
    if f.court:
        qs = qs.filter(court_id=f.court)
    if f.product:
        qs = qs.filter(product=f.product)
    if f.track:
        qs = qs.filter(track=f.track)
    if f.door:
        qs = qs.filter(door=f.door)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.submitted_from:
        qs = qs.filter(submitted_at__gte=local_midnight(f.submitted_from))
    if f.submitted_to:
        qs = qs.filter(submitted_at__lt=local_midnight(f.submitted_to + dt.timedelta(days=1)))
    if f.q:
        qs = qs.filter(case_search_q(f.q))
    parties = CaseParty.objects.select_related("person", "organisation").order_by("pk")
    return (
        qs.select_related("court", "institution", "category")
        .prefetch_related(Prefetch("parties", queryset=parties, to_attr="listed_parties"))
        .order_by("-submitted_at", "-pk")
    )


def case_get(*, actor: Any, pk: int) -> Case | None:
    return (
        Case.objects.restrict(actor)
        .select_related("court", "institution", "category", "team", "mediator", "judge", "station")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=CaseParty.objects.select_related("person", "organisation", "agent", "authorisation"),
            ),
            "numbers",
            "events",
        )
        .filter(pk=pk)
        .first()
    )


def case_by_number(*, actor: Any, number: str) -> Case | None:
    """The case that was ever given this number (current or former), if the actor may see it."""
    numbers = CaseNumber.objects.filter(text=number.strip()).values("case_id")
    return Case.objects.restrict(actor).filter(pk__in=numbers).first()


def case_aggregates(*, court_id: int | None = None) -> dict[str, Any]:
    """Counts and sums without any personal data: what regulators see."""
    qs = Case.objects.all()
    if court_id:
        qs = qs.filter(court_id=court_id)
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")).order_by())
    by_channel = dict(qs.exclude(channel="").values_list("channel").annotate(n=Count("pk")).order_by())
    by_institution = list(
        qs.filter(institution__isnull=False)
        .values("institution__name")
        .annotate(n=Count("pk"), amount=Sum("total"))
        .order_by("-n")[:20]
    )
    by_colour = dict(
        qs.exclude(category__colour="")
        .filter(category__isnull=False)
        .values_list("category__colour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals = qs.aggregate(n=Count("pk"), amount=Sum("total"))
    return {
        "total": totals["n"] or 0,
        "amount": totals["amount"] or 0,
        "by_state": by_state,
        "by_channel": by_channel,
        "by_colour": by_colour,
        "by_institution": by_institution,
    }

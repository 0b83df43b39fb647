"""Reads for the service of documents: the case panel, the guard of steps that need service, and the
failure figures per institution (aggregates only, no personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.cases.models import Case

from .choices import ADDRESS_DEFECTS, FAILURES, SATISFIED, AttemptMethod, Outcome
from .models import ServedDocument, ServiceAttempt, ServiceRecord


def service_satisfied(case: Case | int, kind: str) -> bool:
    """Whether the latest document of this kind was served on every recipient, or an alternative applies.

    False when the case has no such document: a step that needs service cannot go ahead without it.
    """
    case_id = case.pk if isinstance(case, Case) else case
    latest = ServedDocument.objects.filter(case_id=case_id, kind=kind).order_by("-created_at", "-pk").first()
    if latest is None:
        return False
    records = ServiceRecord.objects.filter(document=latest)
    return records.exists() and not records.exclude(status__in=SATISFIED).exists()


def service_status(case: Case | int) -> list[ServedDocument]:
    """Every document of the case, newest first, with its records and their attempts."""
    case_id = case.pk if isinstance(case, Case) else case
    records = ServiceRecord.objects.select_related("recipient__person", "recipient__organisation").prefetch_related(
        Prefetch("attempts", queryset=ServiceAttempt.objects.order_by("at", "pk"))
    )
    return list(
        ServedDocument.objects.filter(case_id=case_id)
        .prefetch_related(Prefetch("records", queryset=records))
        .order_by("-created_at", "-pk")
    )


def document_get(*, actor: Any, pk: int) -> ServedDocument | None:
    """A document of a case the actor may see."""
    return (
        ServedDocument.objects.filter(pk=pk, case__in=Case.objects.restrict(actor))
        .select_related("case__court")
        .first()
    )


def record_get(*, actor: Any, pk: int) -> ServiceRecord | None:
    """A record of a case the actor may see."""
    return (
        ServiceRecord.objects.filter(pk=pk, document__case__in=Case.objects.restrict(actor))
        .select_related("document__case", "recipient__person", "recipient__organisation")
        .first()
    )


# Failures per institution (story 5) ---------------------------------------------------------------


def failures_scope(actor: Any) -> tuple[bool, Organisation | None]:
    """(may see, institution it is limited to). Operators and API clients see their own institution only."""
    if not may(actor, "service.failures"):
        return False, None
    if may(actor, "service.every_institution"):
        return True, None
    return True, actor.organisation  # an institution's operators and API clients


def _attempts(*, institution: Organisation | int | None, since: dt.datetime | None) -> QuerySet[ServiceAttempt]:
    qs = ServiceAttempt.objects.filter(record__document__case__institution__isnull=False)
    if institution is not None:
        inst_id = institution.pk if isinstance(institution, Organisation) else institution
        qs = qs.filter(record__document__case__institution_id=inst_id)
    if since is not None:
        qs = qs.filter(at__gte=since)
    return qs


def failures_by_institution(
    *, institution: Organisation | int | None = None, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Failed attempts counted by institution and reason: (institution, outcome, count), most first."""
    rows = (
        _attempts(institution=institution, since=since)
        .filter(outcome__in=FAILURES)
        .values(
            "record__document__case__institution_id",
            "record__document__case__institution__name",
            "record__document__case__institution__short_name",
            "outcome",
        )
        .annotate(n=Count("pk"))
        .order_by("-n", "record__document__case__institution_id", "outcome")
    )
    return [
        {
            "institution_id": r["record__document__case__institution_id"],
            "institution": r["record__document__case__institution__short_name"]
            or r["record__document__case__institution__name"],
            "outcome": r["outcome"],
            "outcome_label": str(Outcome(r["outcome"]).label),
            "count": r["n"],
        }
        for r in rows
    ]


def failures_by_month(
    *, institution: Organisation | int | None = None, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Failed attempts per month (local time) and institution."""
    rows = (
        _attempts(institution=institution, since=since)
        .filter(outcome__in=FAILURES)
        .annotate(month=TruncMonth("at", tzinfo=timezone.get_current_timezone()))
        .values(
            "month",
            "record__document__case__institution_id",
            "record__document__case__institution__name",
            "record__document__case__institution__short_name",
        )
        .annotate(n=Count("pk"))
        .order_by("month", "record__document__case__institution_id")
    )
    return [
        {
            "month": r["month"].strftime("%Y-%m") if r["month"] else "",
            "institution_id": r["record__document__case__institution_id"],
            "institution": r["record__document__case__institution__short_name"]
            or r["record__document__case__institution__name"],
            "count": r["n"],
        }
        for r in rows
    ]


def address_defects_by_institution(
    *, institution: Organisation | int | None = None, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Per institution: letters and visits whose outcome is known, how many failed, and how many because
    of a wrong or stale address (the address-form defects of story 5), the worst first."""
    known = [o for o in Outcome.values if o not in (Outcome.SENT, Outcome.OPENED)]
    rows = (
        _attempts(institution=institution, since=since)
        .filter(method__in=[AttemptMethod.POSTAL, AttemptMethod.IN_PERSON], outcome__in=known)
        .values(
            "record__document__case__institution_id",
            "record__document__case__institution__name",
            "record__document__case__institution__short_name",
        )
        .annotate(
            attempts=Count("pk"),
            failed=Count("pk", filter=Q(outcome__in=FAILURES)),
            defects=Count("pk", filter=Q(outcome__in=ADDRESS_DEFECTS)),
        )
        .order_by()
    )
    out = []
    for r in rows:
        attempts = r["attempts"]
        out.append(
            {
                "institution_id": r["record__document__case__institution_id"],
                "institution": r["record__document__case__institution__short_name"]
                or r["record__document__case__institution__name"],
                "attempts": attempts,
                "failed": r["failed"],
                "address_defects": r["defects"],
                "defect_rate": round(100 * r["defects"] / attempts) if attempts else 0,
            }
        )
    out.sort(key=lambda r: (-r["defect_rate"], -r["address_defects"], r["institution_id"]))
    return out

"""Reads for the judiciary: the case's judicial record, and the judges' and clerks' worklist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseEvent

from .choices import HearingStatus
from .models import ConfirmationReview, FilingRequest, Hearing, Ruling, TrialOutcome

WORKLIST_LIMIT = 200


@dataclass
class JudicialRecord:
    reviews: list[ConfirmationReview] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    filing_request: FilingRequest | None = None
    hearings: list[Hearing] = field(default_factory=list)
    outcome: TrialOutcome | None = None

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.rulings or self.filing_request or self.hearings or self.outcome)


def judicial_record(case: Case) -> JudicialRecord:
    """Everything the judiciary recorded for a case the caller already may see."""
    return JudicialRecord(
        reviews=list(ConfirmationReview.objects.filter(case=case).select_related("judge", "agreement")),
        rulings=list(Ruling.objects.filter(case=case).select_related("judge")),
        filing_request=FilingRequest.objects.filter(case=case).select_related("party").first(),
        hearings=list(Hearing.objects.filter(case=case).select_related("judge")),
        outcome=TrialOutcome.objects.filter(case=case).select_related("judge").first(),
    )


def ruling_get(*, actor: Any, case: Case, pk: int) -> Ruling | None:
    """A ruling of `case`, if the actor may see the case."""
    visible = Case.objects.restrict(actor).filter(pk=case.pk).values("pk")
    return Ruling.objects.filter(case_id__in=visible, pk=pk).select_related("case__court", "judge").first()


def hearing_get(*, case: Case, pk: int) -> Hearing | None:
    return Hearing.objects.filter(case=case, pk=pk).first()


@dataclass
class Worklist:
    awaiting_confirmation: list[Case]
    awaiting_filing: list[Case]
    filed: list[Case]


def _entered(kind: str) -> Subquery:
    return Subquery(CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=kind).order_by("-at", "-pk").values("at")[:1])


def judiciary_worklist(*, actor: Any) -> Worklist:
    """The court's cases awaiting a judge or a clerk: oldest first, so the overdue ones lead."""
    base = Case.objects.restrict(actor).select_related("institution", "court", "judge")
    awaiting = list(
        base.filter(state=CaseState.AGREEMENT)
        .annotate(signed_at=_entered("reach_agreement"))
        .order_by("submitted_at", "pk")[:WORKLIST_LIMIT]
    )
    failed = list(
        base.filter(state=CaseState.FAILED)
        .annotate(
            failed_at=_entered("fail_mediation"),
            requested=Exists(FilingRequest.objects.filter(case_id=OuterRef("pk"))),
        )
        .order_by("-requested", "submitted_at", "pk")[:WORKLIST_LIMIT]
    )
    now = timezone.now()
    filed = list(
        base.filter(state=CaseState.FILED)
        .annotate(
            filed_at=_entered("file"),
            next_hearing=Min(
                "hearings__starts_at",
                filter=Q(hearings__status=HearingStatus.SCHEDULED, hearings__starts_at__gte=now),
            ),
        )
        .order_by("submitted_at", "pk")[:WORKLIST_LIMIT]
    )
    from xietong.service.selectors import service_satisfied

    for c in filed:
        c.notice_served = service_satisfied(c, "hearing_notice")  # type: ignore[attr-defined]
    return Worklist(awaiting_confirmation=awaiting, awaiting_filing=failed, filed=filed)


def may_use_worklist(actor: Any) -> bool:
    return may(actor, "judiciary.worklist")

"""Judicial suggestions for institutions' systems and the court: the register and one suggestion.

An institution's API client sees only the suggestions sent to its institution (another's: 404);
regulators those copied to them; the court's staff their court's. Read only: drafting, signing,
sending and answering go through the pages (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from xietong.accounts.permissions import may
from xietong.core.api import ERRORS
from xietong.core.errors import NotAllowed, NotFound

from .measure import Query, effect
from .models import Suggestion, SuggestionState
from .schemas import SuggestionDetailOut, SuggestionListOut
from .selectors import may_see_sources, register_of, suggestions_for
from .services import court_settings, review_due_on

router = Router(tags=["suggestions"])
API_LIMIT = 500


def _actor(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not may(actor, "suggestions.view"):
        raise NotAllowed(_("Judicial suggestions are for the court, the institution concerned and its regulators."))
    return actor


def _summary(s: Suggestion, today: dt.date) -> dict[str, Any]:
    return {
        "id": s.pk,
        "number": s.number,
        "title": s.title,
        "court": s.court.name,
        "institution_id": s.institution_id,
        "institution": s.institution.name,
        "state": s.state,
        "state_label": str(SuggestionState(s.state).label),
        "reply_deadline": s.reply_deadline,
        "overdue": s.is_overdue_on(today),
        "signed_at": s.signed_at,
        "sent_at": s.sent_at,
        "served_at": s.served_at,
        "answered_at": s.answered_at,
        "reviewed_at": s.reviewed_at,
        "recommendations": len(s.recommendations),
    }


@router.get(
    "",
    response={200: SuggestionListOut, **ERRORS},
    summary="The register: every suggestion the caller may see, overdue first (an institution: its own)",
)
def suggestions_list(request: HttpRequest, state: str = "") -> dict[str, Any]:
    actor = _actor(request)
    if state and state not in SuggestionState.values:
        raise NotFound(_("Unknown state."))
    today = timezone.localdate()
    rows = [s for s in register_of(actor, today=today) if not state or s.state == state][:API_LIMIT]
    return {"count": len(rows), "items": [_summary(s, today) for s in rows]}


def _effect(s: Suggestion) -> dict[str, Any] | None:
    if s.review and s.review.get("measured"):
        data, reviewed = s.review, True
    else:
        query = Query.from_dict(s.snapshot_query)
        if query is None or s.answered_at is None:
            return None
        data = effect(
            query=query,
            drafted_at=s.created_at,
            answered_at=s.answered_at,
            review_months=court_settings(s.court).review_months,
            now=timezone.now(),
        )
        reviewed = False
    after = data.get("after") or {}
    due = review_due_on(s)
    return {
        "before_count": data["before"]["count"],
        "before_n": data["before"]["n"],
        "after_count": after.get("count"),
        "after_n": after.get("n"),
        "due_on": due,
        "reviewed": reviewed,
    }


@router.get(
    "/{int:suggestion_id}",
    response={200: SuggestionDetailOut, **ERRORS},
    summary="One suggestion: its content, the institution's answer and the effect review",
)
def suggestions_detail(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    actor = _actor(request)
    s = suggestions_for(actor).filter(pk=suggestion_id).first()
    if s is None:
        raise NotFound(_("No such suggestion."))
    today = timezone.localdate()
    answer = getattr(s, "answer", None)
    sources = (
        list(s.source_cases.order_by("submitted_at", "pk").values_list("number", flat=True))
        if may_see_sources(actor, s)
        else None
    )
    return {
        **_summary(s, today),
        "problems": s.problems,
        "causes": s.causes,
        "recommendation_texts": [{"n": n, "text": t} for n, t in enumerate(s.recommendations, start=1)],
        "legal_basis": s.legal_basis,
        "copies_to": [o.name for o in s.copies_to.order_by("pk")],
        "source_case_count": s.source_case_count,
        "source_cases": sources,
        "answer": (
            {
                "actions": answer.actions,
                "answered_at": answer.answered_at,
                "on_time": timezone.localtime(answer.answered_at).date() <= s.reply_deadline,
                "items": [
                    {
                        "n": r["n"],
                        "verdict": r["verdict"],
                        "verdict_label": str(r["verdict_label"]),
                        "reason": r["reason"],
                    }
                    for r in answer.rows(s.recommendations)
                ],
                "attachments": answer.attachments.count(),
            }
            if answer
            else None
        ),
        "effect": _effect(s),
    }

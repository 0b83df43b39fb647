"""Writes for judicial suggestions: drafting and sign-off. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import REGULATOR_KINDS, Role
from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.cases.permissions import actor_role
from xietong.core.errors import Conflict, DomainError, NotAllowed

from .models import CourtSuggestionSettings, Suggestion, SuggestionSequence, SuggestionState

DRAFTERS = frozenset({Role.CLERK, Role.JUDGE, Role.CENTER_ADMIN})


def court_settings(court: Organisation) -> CourtSuggestionSettings:
    found = CourtSuggestionSettings.objects.filter(court=court).first()
    return found or CourtSuggestionSettings(court=court, number_prefix=court.court_code)


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)


@transaction.atomic
def suggestion_draft(
    *,
    actor: Any,
    institution: Organisation,
    title: str,
    problems: str,
    causes: str = "",
    recommendations: list[str],
    legal_basis: str,
    reply_deadline: dt.date | None = None,
    copies_to: list[Organisation] | None = None,
    snapshot: dict[str, Any] | None = None,
    snapshot_query: dict[str, Any] | None = None,
    source_case_count: int = 0,
) -> Suggestion:
    """Draft a suggestion of the actor's court. Refused without recommendations or with a past deadline."""
    if actor_role(actor) not in DRAFTERS or actor.organisation is None:
        raise NotAllowed(_("Judicial suggestions are drafted by the court's staff."))
    court = actor.organisation
    recs = [r.strip() for r in recommendations if r and r.strip()]
    if not recs:
        raise DomainError(_("A suggestion needs at least one recommendation."), code="no_recommendations")
    if not title.strip() or not problems.strip() or not legal_basis.strip():
        raise DomainError(_("Title, problems and legal basis are required."), code="incomplete")
    today = timezone.localdate()
    deadline = reply_deadline or add_months(today, court_settings(court).reply_months)
    if deadline <= today:
        raise DomainError(_("The reply deadline must be after today."), code="deadline_past")
    copies = list(copies_to or [])
    if any(o.kind not in REGULATOR_KINDS for o in copies):
        raise DomainError(_("Copies go to regulators only."), code="copies")
    s = Suggestion.objects.create(
        court=court,
        institution=institution,
        title=title.strip(),
        problems=problems.strip(),
        causes=causes.strip(),
        recommendations=recs,
        legal_basis=legal_basis.strip(),
        reply_deadline=deadline,
        snapshot=snapshot or {},
        snapshot_query=snapshot_query or {},
        source_case_count=source_case_count,
        drafted_by=actor,
    )
    s.copies_to.set(copies)
    audit_record(actor=actor, action=AuditAction.SUGGESTION_DRAFT, obj=s, after={"institution": institution.pk})
    return s


def _next_seq(court: Organisation, year: int) -> int:
    try:
        with transaction.atomic():
            SuggestionSequence.objects.create(court=court, year=year, last=0)
    except IntegrityError:
        pass  # another transaction created it first
    row = SuggestionSequence.objects.select_for_update().get(court=court, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def may_sign(actor: Any) -> bool:
    return bool(getattr(actor, "has_perm", None)) and actor.has_perm("suggestions.sign_suggestion")


@transaction.atomic
def suggestion_sign(*, actor: Any, suggestion: Suggestion | int) -> Suggestion:
    """Sign off a draft (division head or deputy president): it gets its number in the court's form."""
    pk = suggestion.pk if isinstance(suggestion, Suggestion) else suggestion
    s = Suggestion.objects.select_for_update().select_related("court").get(pk=pk)
    if s.state != SuggestionState.DRAFT:
        raise Conflict(_("This suggestion has already been signed off."), code="already_signed")
    if not may_sign(actor) or actor.organisation_id != s.court_id:
        raise NotAllowed(_("Only a division head or deputy president of the court signs off suggestions."))
    cfg = court_settings(s.court)
    if cfg.second_signer_required and actor.pk == s.drafted_by_id:
        raise NotAllowed(_("This court requires a second person to sign off: not the one who drafted it."))
    year = timezone.localdate().year
    seq = _next_seq(s.court, year)
    s.year, s.seq = year, seq
    s.number = cfg.number_template.format(year=year, prefix=cfg.number_prefix, seq=seq)
    s.state, s.signed_by, s.signed_at = SuggestionState.SIGNED, actor, timezone.now()
    s.save(update_fields=["year", "seq", "number", "state", "signed_by", "signed_at"])
    audit_record(actor=actor, action=AuditAction.SUGGESTION_SIGN, obj=s, after={"number": s.number})
    return s

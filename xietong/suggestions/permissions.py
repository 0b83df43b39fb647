"""The judicial suggestions' actions: the court drafts, signs off and sends; the institution answers; its
regulators read the copies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles

COURT_SIDE = (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE)
# Court staff and the center see every institution; an operator (or API client) its own; regulators
# see the same aggregates as the court (the register never names a person).
REGISTER_ROLES = frozenset({*COURT_SIDE, Role.REGULATOR, Role.INSTITUTION_OPERATOR})


def _draft(actor: Any, obj: Any = None) -> bool:
    """Draft a suggestion of one's own court."""
    return actor_role(actor) in COURT_SIDE and getattr(actor, "organisation", None) is not None


def _of_the_court(actor: Any, suggestion: Any = None) -> bool:
    """The center, or the staff of the court that made the suggestion (any court's, without one)."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    return role in (Role.CLERK, Role.JUDGE) and (
        suggestion is None or getattr(actor, "organisation_id", None) == suggestion.court_id
    )


def _sign(actor: Any, suggestion: Any = None) -> bool:
    """A division head or deputy president (the Django permission, through the signers' group), of the
    suggestion's court."""
    if not getattr(actor, "has_perm", None) or not actor.has_perm("suggestions.sign_suggestion"):
        return False
    return suggestion is None or getattr(actor, "organisation_id", None) == suggestion.court_id


def _signer(user: Any, obj: Any = None) -> bool:
    """Whom the center may appoint to sign off: a court's judge (division head, deputy president)."""
    return (
        getattr(user, "role", None) in (Role.JUDGE, Role.CENTER_ADMIN)
        and getattr(user, "organisation", None) is not None
    )


def _answer(actor: Any, suggestion: Any = None) -> bool:
    """The institution addressed: its operators and API clients."""
    if actor_role(actor) != Role.INSTITUTION_OPERATOR:
        return False
    return suggestion is None or getattr(actor, "organisation_id", None) == suggestion.institution_id


PERMISSIONS: dict[str, Predicate] = {
    # The register (台账), the defect register, and the suggestions each may see (restrict_suggestions).
    "suggestions.view": for_roles(*REGISTER_ROLES),
    # Every institution's figures in the defect register (an institution sees its own only).
    "suggestions.every_institution": for_roles(*COURT_SIDE, Role.REGULATOR),
    # Candidates and drafts are the court's own: court staff and the center, not institutions or regulators.
    "suggestions.candidates": for_roles(*COURT_SIDE),
    "suggestions.draft": _draft,
    "suggestions.sign": _sign,
    "suggestions.be_signer": _signer,
    "suggestions.send": _of_the_court,  # and record the letter's delivery
    "suggestions.see_sources": _of_the_court,  # the cases behind the figures, the service records
    "suggestions.answer": _answer,
    # Opening a suggestion sent is its receipt: the institution addressed and the regulators copied.
    "suggestions.receive": for_roles(Role.INSTITUTION_OPERATOR, Role.REGULATOR),
}


def restrict_suggestions(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The center all; a court's staff their court's; an institution (its operators and API clients) its
    own once sent; a regulator those copied to it once sent."""
    from .models import OUT_STATES

    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return qs
    if role in (Role.CLERK, Role.JUDGE):
        return qs.filter(court_id=actor.organisation_id)
    if role == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None):
        return qs.filter(institution_id=actor.organisation_id, state__in=sorted(OUT_STATES))
    if role == Role.REGULATOR and getattr(actor, "organisation_id", None):
        return qs.filter(copies_to=actor.organisation_id, state__in=sorted(OUT_STATES))
    return qs.none()

"""The case's own guards: who may act on the case. Other apps register theirs (registry.guards)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from xietong.accounts.permissions import may
from xietong.core.errors import DomainError, NotAllowed

from .registry import Guard


def needs_mediator(case: Any, actor: Any, note: str) -> None:
    if case.mediator_id is None:
        raise DomainError(_("Assign a mediator before mediation starts."), code="no_mediator")


def actor_is_case_mediator(case: Any, actor: Any, note: str) -> None:
    if may(actor, "cases.mediate") and not may(actor, "cases.mediate", case):
        raise NotAllowed(_("Only the mediator assigned to this case may do this."), code="not_case_mediator")


def actor_in_case_court(case: Any, actor: Any, note: str) -> None:
    if may(actor, "cases.court") and not may(actor, "cases.court", case):
        raise NotAllowed(_("Only the court that holds this case may do this."), code="other_court")


def needs_institution_party(case: Any, actor: Any, note: str) -> None:
    if case.institution_id is None:
        raise DomainError(_("The case has no institution to file against."), code="no_institution")


CASE_GUARDS: dict[str, Guard] = {
    "cases.mediator_assigned": needs_mediator,
    "cases.case_mediator": actor_is_case_mediator,
    "cases.court": actor_in_case_court,
    "cases.institution_party": needs_institution_party,
}

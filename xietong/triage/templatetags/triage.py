"""`{% triage_panel case as t %}`: what the case page's triage section shows."""

from __future__ import annotations

from typing import Any

from django import template

from xietong.cases.permissions import actor_role

from ..forms import OverrideForm
from ..selectors import decision_explained, triage_decisions
from ..services import OVERRIDE_ROLES, OVERRIDE_STATES

register = template.Library()


@register.simple_tag(takes_context=True)
def triage_panel(context: Any, case: Any) -> dict[str, Any]:
    user = context["request"].user
    decisions = triage_decisions(case)
    role = actor_role(user)
    may_override = (
        role in OVERRIDE_ROLES
        and case.state in OVERRIDE_STATES
        and (role != "clerk" or case.court_id == user.organisation_id)
    )
    return {
        "current": decisions[0] if decisions else None,
        "explained": decision_explained(decisions[0]) if decisions else [],
        "history": [(d, decision_explained(d)) for d in decisions[1:]],
        "may_override": may_override,
        "form": OverrideForm(case=case) if may_override else None,
    }

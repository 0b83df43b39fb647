"""`{% triage_panel case as t %}`: what the case page's triage section shows."""

from __future__ import annotations

from typing import Any

from django import template

from xietong.accounts.permissions import may

from ..forms import OverrideForm
from ..selectors import decision_explained, triage_decisions
from ..services import OVERRIDE_STATES

register = template.Library()


@register.simple_tag(takes_context=True)
def triage_panel(context: Any, case: Any) -> dict[str, Any]:
    user = context["request"].user
    decisions = triage_decisions(case)
    may_override = case.state in OVERRIDE_STATES and may(user, "triage.override", case)
    return {
        "current": decisions[0] if decisions else None,
        "explained": decision_explained(decisions[0]) if decisions else [],
        "history": [(d, decision_explained(d)) for d in decisions[1:]],
        "may_override": may_override,
        "form": OverrideForm(case=case) if may_override else None,
    }

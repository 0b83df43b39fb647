"""The warnings that wait for a regulator (or the center), wherever they arrive: a count in the
navigation, the list on the landing page."""

from __future__ import annotations

from typing import Any

from django import template

from xietong.risk.selectors import warning_summary, warnings_arrived

register = template.Library()

ARRIVALS_SHOWN = 5


@register.simple_tag
def risk_new_count(user: Any) -> int:
    """How many new warnings wait for this user (0 for anyone who does not act on warnings)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return warnings_arrived(user).count()


@register.inclusion_tag("risk/_arrivals.html")
def risk_arrivals(user: Any) -> dict[str, Any]:
    """The new warnings waiting for this user, the most severe first (nothing shown when none)."""
    if not getattr(user, "is_authenticated", False):
        return {"rows": [], "total": 0}
    waiting = warnings_arrived(user)
    rows = [warning_summary(w, user) for w in waiting[:ARRIVALS_SHOWN]]
    total = len(rows) if len(rows) < ARRIVALS_SHOWN else waiting.count()
    return {"rows": rows, "total": total}

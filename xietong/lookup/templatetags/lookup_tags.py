from __future__ import annotations

from django import template

from xietong.lookup.choices import next_step as _next_step

register = template.Library()


@register.filter
def next_step(state: str) -> str:
    """The next step of a case in this state, in plain words."""
    return _next_step(state)

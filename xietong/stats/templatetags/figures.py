"""`{{ figures|get_item:code }}`: a figure by its measure's code (the code comes from a loop)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    return mapping.get(key)

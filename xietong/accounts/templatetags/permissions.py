"""`{% load permissions %}` … `{% if user|may:"batches.use" %}`: the templates ask by action name, never by role."""

from __future__ import annotations

from typing import Any

from django import template

from xietong.accounts import permissions

register = template.Library()


@register.filter
def may(actor: Any, name: str) -> bool:
    return permissions.may(actor, name)

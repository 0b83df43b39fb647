"""`{% load permissions %}` … `{% if user|may:"batches.use" %}`: the templates ask by action name, never by role."""

from __future__ import annotations

from typing import Any

from django import template

from xietong.accounts import permissions

register = template.Library()


@register.filter
def may(actor: Any, name: str) -> bool:
    return permissions.may(actor, name)


@register.simple_tag
def may_for(actor: Any, name: str, obj: Any) -> bool:
    """`{% may_for user "intake.authorisation" party.authorisation as allowed %}`: the same question about one
    object, for the links a page shows per row."""
    return permissions.may(actor, name, obj)

"""What the agreement rules add to the case's lifecycle (registered as guards in apps.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from xietong.core.errors import DomainError

from .selectors import agreement_signed_for_case


def needs_signed_agreement(case: Any, actor: Any, note: str) -> None:
    """`reach_agreement`: every party signed the agreement of the case."""
    if agreement_signed_for_case(case) is None:
        raise DomainError(
            _("Every party must sign the agreement before the case records it."), code="no_signed_agreement"
        )

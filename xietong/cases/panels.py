"""Panels other apps add to the case page (mediation, agreement, confirmation, service...).

An app registers `panel(request, case) -> CasePanel | None` under a key in its AppConfig.ready()
(`cases.registry.panel_register`). The case page
renders the panels in `order`, in the main (left) or side (right) column. A panel decides by the
user's role what it shows; returning None shows nothing. Panels must only show what the case's
visibility rule already allows (the page has checked `Case.objects.restrict`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .registry import registry


@dataclass(frozen=True)
class CasePanel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    column: str = "main"  # "main" (left, under the parties) or "side" (right, above the next steps)
    order: int = 100


PanelProvider = Callable[[HttpRequest, Any], "CasePanel | None"]


def panels_for(request: HttpRequest, case: Any) -> dict[str, list[CasePanel]]:
    found = [p for provider in registry.panels.values() if (p := provider(request, case)) is not None]
    found.sort(key=lambda p: p.order)
    return {
        "main": [p for p in found if p.column == "main"],
        "side": [p for p in found if p.column != "main"],
    }

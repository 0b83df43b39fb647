"""System checks: start-up is refused while the lifecycle table names what nobody registered."""

from __future__ import annotations

from typing import Any

from django.core import checks

from .registry import registry
from .workflow import TRANSITIONS


@checks.register()
def registry_complete(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for t in TRANSITIONS.values():
        for key in t.guards:
            if key not in registry.guards:
                errors.append(
                    checks.Error(
                        f"The transition {t.code!r} names the guard {key!r}, which no app registered.",
                        hint="Register it with cases.registry.guard_register in the owning app's AppConfig.ready().",
                        id="cases.E001",
                    )
                )
        if t.panel is not None and t.panel not in registry.panels:
            errors.append(
                checks.Error(
                    f"The transition {t.code!r} is taken in the panel {t.panel!r}, which no app registered.",
                    id="cases.E002",
                )
            )
        if t.code in registry.event_kinds:
            errors.append(
                checks.Error(f"The event kind {t.code!r} is also a transition: one name, one meaning.", id="cases.E003")
            )
    for code in registry.demo_steps:
        if code not in TRANSITIONS:
            errors.append(checks.Error(f"The demo step {code!r} names no transition.", id="cases.E004"))
    return errors

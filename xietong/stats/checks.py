"""Start-up check: the charts' library was installed (make assets: npm ci, then copied into static)."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.core import checks

ECHARTS = "vendor/echarts/echarts.min.js"


@checks.register(checks.Tags.staticfiles)
def echarts_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if finders.find(ECHARTS):
        return []
    return [
        checks.Warning(
            f"{ECHARTS} is missing: the figures' charts will not draw (their tables still show the numbers).",
            hint="Run `make assets` (npm ci from package-lock.json, then the copy into xietong/static/vendor/).",
            id="stats.W001",
        )
    ]

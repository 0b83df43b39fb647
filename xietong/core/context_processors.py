from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    return {"PLATFORM_NAME": settings.PLATFORM_NAME, "DEMO_MODE": settings.DEMO_MODE}

"""Requests no view should see.

A NUL character in a query string or a JSON or form body is refused with a 400 before any view runs:
no legitimate input holds one, PostgreSQL's text columns cannot store it (the query would fail with a
500), and a string that ends early in one layer and not in another is a classic way past a check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

# In a JSON body a NUL is written \u0000 (an escaped backslash before it is no NUL).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded")


def body_has_nul(content_type: str, body: bytes) -> bool:
    """Whether a JSON or form body holds a NUL, raw or escaped."""
    if content_type == "application/json":
        return b"\x00" in body or _JSON_NUL.search(body) is not None
    return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))


def _over_site_limit(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and length > limit


def has_nul(request: HttpRequest) -> bool:
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH") and content_type in _BODY_TYPES:
        # A body above the site's limit is not read here: Django refuses it where a view reads it,
        # and the one view that takes larger bodies (a JSON batch) reads it with its own limit and
        # applies body_has_nul itself.
        if _over_site_limit(request):
            return False
        return body_has_nul(content_type, request.body)
    return False


def nul_message() -> str:
    return _("The request contains a NUL character, which no field accepts.")


class NulCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_nul(request):
            return self.get_response(request)
        message = nul_message()
        if request.path.startswith("/api/"):
            body = {"error": {"code": "nul_character", "message": message, "details": None}}
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        return bad_request(request, ValueError(message))

"""Domain errors: raised by services, turned into 4xx responses by the views and the API."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A request the domain refuses. `code` is stable; `message` is translatable."""

    status = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"

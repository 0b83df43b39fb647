"""The API's shared parts: authentication (institution tokens or the browser session) and one error format."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, AwareDatetime

from xietong.accounts.selectors import api_client_authenticate

from .errors import DomainError


class TokenAuth(HttpBearer):
    """`Authorization: Bearer xt_<prefix>_<secret>`: an institution's API client."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        client, problem = api_client_authenticate(token)
        if problem == "expired":
            raise TokenRefused(
                _("This API token has expired. Use the client's new token, or ask the center for one."),
                code="token_expired",
            )
        if problem == "revoked":
            raise TokenRefused(_("This API token has been revoked."), code="token_revoked")
        return client


class TokenRefused(DomainError):
    """A token whose secret is right but which no longer works: 401 with the reason."""

    status = 401
    code = "unauthenticated"


class ActiveSessionAuth(SessionAuth):
    """A logged-in user of the web pages (CSRF-checked for writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details}}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, str(exc.message), exc.details)

    @api.exception_handler(DjangoValidationError)
    def django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        details = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return error_response(api, request, 422, "invalid", _("The request has invalid values."), details)

    @api.exception_handler(NinjaValidationError)
    def ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        if exc.errors and all(list(e.get("loc", ()))[:1] == ["path"] for e in exc.errors):
            # /cases/abc: a path value that is no id names nothing, as /cases/0 does.
            return error_response(api, request, 404, "not_found", _("Not found."))
        details = [
            {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": e.get("type", "")}
            for e in exc.errors
        ]
        return error_response(api, request, 422, "invalid", _("The request has invalid values."), details)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "unauthenticated", _("Authentication is missing or not valid."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("You may not do this."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}.get(
            exc.status_code, "error"
        )
        return error_response(api, request, exc.status_code, code, str(exc))


ERRORS: dict[int | frozenset[int], type[Schema]] = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}

# Query values the database can take: an offset past 2^63 - 1 is no page of anything (and no SQL integer).
OFFSET_MAX = 2**31 - 1
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _in_range(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("a date-time from 2000 to 2099")
    return value


# A date-time a client sends: with its offset (2026-11-01T00:00:00+08:00) and within the platform's years.
ApiDateTime = Annotated[AwareDatetime, AfterValidator(_in_range)]


@csrf_exempt  # a POST to no operation is a 404, not a CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/ that no operation answers (an unknown path, a path value that is no id): the API's
    own 404, in its error format, whatever DEBUG says."""
    body = {"error": {"code": "not_found", "message": _("Not found."), "details": None}}
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})

"""Content-Security-Policy: the middleware, and the exceptions, each named and explained (the policy
itself: settings CONTENT_SECURITY_POLICY).

`CSPMiddleware`: django-csp's own, except that the header of a response nothing changes per request
is built once per process. django-csp 4.0 builds both policies (enforced and report-only) from the
settings on every response (`csp.utils.build_policy`, after `dataclasses.asdict` of the parts): some
25-35 µs of CPU, a tenth of `/healthz` or of a bank's status call. Here the parts are asked of the
library's documented hook (`get_policy_parts`); when neither policy has a per-view config, update or
replace and no nonce was used, the strings the library built for the settings' policy are reused,
set under the library's rules (exempt views, a header the view set, `EXCLUDE_URL_PREFIXES`, the debug
pages); any other response goes to the library's `process_response` untouched. The strings are
rebuilt when a test changes the settings (`setting_changed`). tests/test_csp.py compares every case
with the library's middleware, and holds the version this was written against.

`charts`: the pages that draw ECharts. The library positions its tooltips and labels with `style`
attributes it writes itself, which `style-src 'self'` blocks. These pages alone allow inline style
*attributes* (`style-src-attr 'unsafe-inline'`); `<style>` elements, scripts and everything else
stay as strict as on every other page. A style attribute cannot run code.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar, cast

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.decorators import csp_update
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

View = TypeVar("View", bound=Callable[..., Any])
_charts = csp_update({"style-src-attr": ["'unsafe-inline'"]})


def charts(view: View) -> View:
    return cast(View, _charts(view))


# Nothing per request: no per-view config, update or replace, no nonce.
_PLAIN = csp_middleware.PolicyParts()
_DEBUG_PAGES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
# (header, the response attribute that exempts from it, the setting) for the enforced and the report-only policy
_POLICIES = (
    (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)
# header -> (the library's policy string for the plain parts, the excluded URL prefixes); per process
_built: dict[str, tuple[str, tuple[str, ...]]] = {}


def _plain_policy(header: str, setting: str, report_only: bool) -> tuple[str, tuple[str, ...]]:
    found = _built.get(header)
    if found is None:
        policy = build_policy(**asdict(_PLAIN), report_only=report_only)
        prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        found = _built[header] = (policy, prefixes)
    return found


@receiver(setting_changed)
def _forget_built_policies(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _built.clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware; the policy of a response nothing changes per request built once per process."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            self.get_policy_parts(request=request, response=response) != _PLAIN
            or self.get_policy_parts(request=request, response=response, report_only=True) != _PLAIN
        ):
            return super().process_response(request, response)
        # From here on, the library's rules for a response whose parts are all empty.
        if response.status_code in _DEBUG_PAGES and settings.DEBUG:
            return response
        for header, exempt, setting, report_only in _POLICIES:
            policy, prefixes = _plain_policy(header, setting, report_only)
            if (
                policy
                and getattr(response, exempt, False) is False
                and header not in response
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

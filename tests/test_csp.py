"""A Content-Security-Policy with no inline script: the header, and templates that need no exception.

Every page of the permission walk carries the header (tests/test_permissions_walk.py); here: its
directives, and that no template the browser is served holds an inline handler, script or style.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.test import Client, RequestFactory, override_settings

from xietong.core.csp import CSPMiddleware, charts

ROOT = Path(settings.BASE_DIR) / "xietong"
# Rendered to PDF by WeasyPrint, never served to a browser: their <style> is the document's own.
PRINTED = re.compile(r"(_pdf\.html|documents/base\.html|service/demo_document\.html)$")

HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.I | re.S)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"""<style\b|\sstyle\s*=""", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def served_templates() -> list[Path]:
    paths = sorted(ROOT.rglob("templates/**/*.html"))
    assert len(paths) > 60
    return [p for p in paths if not PRINTED.search(p.as_posix())]


@pytest.mark.parametrize("pattern", [HANDLER, INLINE_SCRIPT, INLINE_STYLE, JS_URL], ids=lambda p: p.pattern[:20])
def test_no_template_holds_inline_script_handler_or_style(pattern):
    found = []
    for path in served_templates():
        text = path.read_text(encoding="utf-8")
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)[:80]}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_the_policy_allows_our_own_scripts_and_styles_only(client: Client):
    r = client.get("/learn/")
    policy = dict(
        [*d.split(" ", 1), ""][:2] for d in (part.strip() for part in r["Content-Security-Policy"].split(";")) if d
    )
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'self'"
    assert "unsafe" not in r["Content-Security-Policy"]
    html = r.content.decode()
    # htmx injects no style of its own and evaluates nothing; our behaviour comes from a file.
    assert '"includeIndicatorStyles": false' in html and '"allowEval": false' in html
    assert re.search(r'<script src="/static/xietong/app\.js" defer></script>', html)


# --- The middleware: the header built once per process, always the library's (xietong/core/csp.py) ---

HEADERS = (HEADER, HEADER_REPORT_ONLY)
REPORT_ONLY = {
    "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'"], "report-uri": ["/csp-report/"]},
}
WITH_NONCE = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE], "img-src": ["data:"]}}
EXCLUDING = {"EXCLUDE_URL_PREFIXES": ["/excluded/"], "DIRECTIVES": {"default-src": ["'self'"]}}


def plain(request):
    return HttpResponse("ok")


def nonce_used(request):
    return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')


def own_header(request):
    response = HttpResponse("ok")
    response[HEADER] = "default-src 'none'"
    return response


VIEWS = {
    "plain": plain,
    "nonce": nonce_used,
    "charts": charts(plain),
    "update": csp_update({"img-src": ["https://maps.example.org"], "worker-src": ["'self'"]})(plain),
    "replace": csp_replace({"script-src": ["'self'", "https://cdn.example.org"], "img-src": None})(plain),
    "update_ro": csp_update({"img-src": ["https://maps.example.org"]}, REPORT_ONLY=True)(plain),
    "replace_ro": csp_replace({"script-src": ["https://cdn.example.org"]}, REPORT_ONLY=True)(plain),
    "exempt": csp_exempt()(plain),
    "exempt_ro": csp_exempt(REPORT_ONLY=True)(plain),
    "own_header": own_header,
    "not_found": lambda request: HttpResponseNotFound("no"),
    "error": lambda request: HttpResponseServerError("no"),
}
SETTINGS = {
    "project": {},
    "report_only": {"CONTENT_SECURITY_POLICY_REPORT_ONLY": REPORT_ONLY},
    "only_report_only": {"CONTENT_SECURITY_POLICY": None, "CONTENT_SECURITY_POLICY_REPORT_ONLY": REPORT_ONLY},
    "nonce_source": {"CONTENT_SECURITY_POLICY": WITH_NONCE, "CONTENT_SECURITY_POLICY_REPORT_ONLY": WITH_NONCE},
    "excluded": {"CONTENT_SECURITY_POLICY": EXCLUDING, "CONTENT_SECURITY_POLICY_REPORT_ONLY": EXCLUDING},
    "debug": {"DEBUG": True},
}


@pytest.fixture
def same_nonce(monkeypatch):
    """Both middlewares draw the same nonce, so that their headers can be compared byte for byte."""
    monkeypatch.setattr(csp_middleware.os, "urandom", lambda n: bytes(range(n)))


def served(middleware: type[LibraryCSPMiddleware], view, path: str = "/page/") -> tuple[dict[str, str | None], str]:
    """The CSP headers of one response through `middleware`, and what `request.csp_nonce` is afterwards."""
    request = RequestFactory().get(path)
    response = middleware(view)(request)
    try:
        after = f"nonce {request.csp_nonce}"  # type: ignore[attr-defined]
    except CSPNonceError:
        after = "CSPNonceError"
    return {h: response.headers.get(h) for h in HEADERS}, after


@pytest.mark.parametrize("settings_name", SETTINGS)
@pytest.mark.parametrize("view_name", VIEWS)
@pytest.mark.parametrize("path", ["/page/", "/excluded/page/"])
def test_every_header_is_the_librarys_own(settings_name, view_name, path, same_nonce):
    with override_settings(**SETTINGS[settings_name]):
        theirs = served(LibraryCSPMiddleware, VIEWS[view_name], path)
        ours = served(CSPMiddleware, VIEWS[view_name], path)
        assert ours == theirs
        assert ours == served(CSPMiddleware, VIEWS[view_name], path)  # the second time, from what was kept


def test_the_cases_compared_are_not_all_alike(same_nonce):
    """The comparison above would pass for two middlewares that set nothing: the headers differ by case."""
    seen = {name: served(CSPMiddleware, view)[0][HEADER] for name, view in VIEWS.items()}
    assert seen["plain"] and "'self'" in seen["plain"]
    assert "style-src-attr 'unsafe-inline'" in seen["charts"] and "style-src-attr" not in seen["plain"]
    assert len({seen[k] for k in ("plain", "charts", "update", "replace", "own_header")}) == 5
    assert seen["exempt"] is None and seen["update_ro"] == seen["plain"]
    with override_settings(**SETTINGS["nonce_source"]):
        assert "'nonce-AAECAwQFBgcICQoLDA0ODw=='" in served(CSPMiddleware, nonce_used)[0][HEADER]
        assert "nonce" not in served(CSPMiddleware, plain)[0][HEADER]  # no nonce used: the source is dropped
    with override_settings(**SETTINGS["report_only"]):
        ro = served(CSPMiddleware, plain)[0][HEADER_REPORT_ONLY]
        assert ro and "report-uri /csp-report/" in ro
        assert "maps.example.org" in served(CSPMiddleware, VIEWS["update_ro"])[0][HEADER_REPORT_ONLY]


def test_one_process_serving_views_in_turn_hands_out_no_stale_header(same_nonce):
    """A kept string must never be one a per-view change or a nonce made; nor outlive the settings
    (what is kept is the process's, whichever instance of the middleware serves)."""
    ours, theirs = CSPMiddleware, LibraryCSPMiddleware
    order = ["plain", "update", "plain", "charts", "plain", "replace", "plain", "update_ro", "plain", "exempt", "plain"]
    with override_settings(**SETTINGS["report_only"]):
        for name in [*order, "nonce", "plain"]:
            assert served(ours, VIEWS[name]) == served(theirs, VIEWS[name]), name
    before = served(ours, plain)[0]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        changed = served(ours, plain)[0]
        assert changed == served(theirs, plain)[0] and changed[HEADER] == "default-src 'none'"
    assert served(ours, plain)[0] == before == served(theirs, plain)[0]


def test_the_project_uses_it_and_the_version_it_was_written_for():
    """The fast path repeats django-csp 4.0's rules for a response with no per-request parts
    (`CSPMiddleware.process_response`): after an upgrade, read the library's again and compare."""
    assert "xietong.core.csp.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
    assert version("django-csp") == "4.0"


@pytest.mark.django_db
def test_the_pages_and_the_api_carry_the_header_the_library_would_have_set(world):
    """Through the whole stack: a page, a page with the charts' exception, the bank's status call, the
    health check and a missing page, each with the project's middleware and with the library's."""
    paths = {
        "page": ("/learn/", {}),
        "charts": ("/figures/", {}),
        "status": (
            f"/api/v1/cases/{world.cases['bank'].pk}/status",
            {"HTTP_AUTHORIZATION": f"Bearer {world.api_token}"},
        ),
        "healthz": ("/healthz", {}),
        "missing": ("/no-such-page/", {}),
    }
    library_stack = [
        "csp.middleware.CSPMiddleware" if m == "xietong.core.csp.CSPMiddleware" else m for m in settings.MIDDLEWARE
    ]
    for name, (path, headers) in paths.items():
        ours = Client(HTTP_ACCEPT_LANGUAGE="en").get(path, **headers)
        with override_settings(MIDDLEWARE=library_stack):
            theirs = Client(HTTP_ACCEPT_LANGUAGE="en").get(path, **headers)
        assert ours.status_code == theirs.status_code == (404 if name == "missing" else 200), name
        assert ours[HEADER] == theirs[HEADER] and ours[HEADER], name
        assert HEADER_REPORT_ONLY not in ours and HEADER_REPORT_ONLY not in theirs, name
        assert ("style-src-attr 'unsafe-inline'" in ours[HEADER]) == (name == "charts"), name

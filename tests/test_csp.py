"""A Content-Security-Policy with no inline script: the header, and templates that need no exception.

Every page of the permission walk carries the header (tests/test_permissions_walk.py); here: its
directives, and that no template the browser is served holds an inline handler, script or style.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

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

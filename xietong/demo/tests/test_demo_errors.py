"""The demo is shown to people: it runs without DEBUG (friendly error pages, never Django's debug page
listing every URL pattern), its static files (the favicon too) are served all the same, and /media/ is not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="127.0.0.1")
r = c.get("/no-such-page/")
body = r.content.decode()
print("debug", settings.DEBUG)
print("404", r.status_code, "URLconf" in body or "patterns" in body, "Back to work" in body or "返回工作" in body)
print("static", c.get("/static/xietong/app.js").status_code, c.get("/static/xietong/favicon.svg").status_code)
print("media", c.get("/media/rulings/ruling-1.pdf").status_code)
print("icon", '<link rel="icon" href="/static/xietong/favicon.svg"' in body)
"""


def test_the_demo_runs_without_debug_and_still_serves_its_static_files():
    # The environment run-demo.sh sets up, as it sets it up (its `export` lines), then the probe.
    exports = [line for line in (ROOT / "scripts/run-demo.sh").read_text().splitlines() if line.startswith("export ")]
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["PYTHONPATH"] = str(ROOT)
    script = "\n".join([*exports, f'exec "{sys.executable}" -c "$PROBE"'])
    out = subprocess.run(
        ["bash", "-c", script], env={**env, "PROBE": PROBE}, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    assert lines.get("debug") == "False", out.stdout + out.stderr
    assert lines["404"] == "404 False True"  # the friendly page, no list of URL patterns
    assert lines["static"] == "200 200"
    assert lines["media"] == "404"
    assert lines["icon"] == "True"  # every page names its favicon

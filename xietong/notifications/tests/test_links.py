"""Links in messages that leave the platform are absolute: PUBLIC_BASE_URL and the page's path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings as django_settings

from xietong.notifications.services import public_url

# A path standing alone in a sentence ("Open it: /cases/12/"): useless in an SMS or an e-mail.
BARE_PATH = re.compile(r"(?:^|[\s:：(（])/[a-z][\w-]*/")


def test_a_link_is_the_public_address_and_the_path(settings):
    settings.PUBLIC_BASE_URL = "https://xietong.example.org/"
    assert public_url("/cases/12/#repayment") == "https://xietong.example.org/cases/12/#repayment"
    settings.PUBLIC_BASE_URL = "https://court.example.org/xietong"
    assert public_url("/my/repayments/") == "https://court.example.org/xietong/my/repayments/"


def test_no_message_in_any_catalogue_carries_a_bare_path():
    """Every message text is translated: a link must come in as %(link)s, built by public_url."""
    catalogues = sorted(Path(django_settings.BASE_DIR, "xietong").glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert catalogues
    bare = [
        (str(path), entry.msgid[:80])
        for path in catalogues
        for entry in polib.pofile(str(path))
        if BARE_PATH.search(entry.msgid) or BARE_PATH.search(entry.msgstr)
    ]
    assert bare == []


def production(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    base.update(SECRET_KEY="x" * 60, AUDIT_HMAC_KEY="k" * 48, DJANGO_SETTINGS_MODULE="xietong.settings.production")
    code = "import django; django.setup(); from django.conf import settings; print(settings.PUBLIC_BASE_URL)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_an_https_public_address():
    for env in ({}, {"PUBLIC_BASE_URL": ""}, {"PUBLIC_BASE_URL": "http://xietong.example.org"}):
        proc = production(**env)
        assert proc.returncode != 0 and "PUBLIC_BASE_URL is not set" in proc.stderr, env
    proc = production(PUBLIC_BASE_URL="https://xietong.example.org")
    assert proc.returncode == 0 and proc.stdout.strip() == "https://xietong.example.org", proc.stderr[-2000:]

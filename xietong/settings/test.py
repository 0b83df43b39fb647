"""The test suite: same as production in behaviour, fast password hashing."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
DEMO_MODE = True
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"

# Uploads and the SQLite test database live in a temporary folder, removed when the run ends.
TEST_DIR = Path(tempfile.mkdtemp(prefix="xietong-test-"))
atexit.register(shutil.rmtree, TEST_DIR, True)
MEDIA_ROOT = TEST_DIR / "media"

# A file-based SQLite test database (not in-memory), so tests with several threads exercise
# the same locking (WAL, busy timeout, immediate transactions) as the embedded default does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_DIR / "test.sqlite3")}
SMS_BACKEND = "xietong.notifications.backends.LocmemSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

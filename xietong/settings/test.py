"""The test suite: same as production in behaviour, fast password hashing."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
AUDIT_HMAC_KEY = "test-only-audit-key-not-secret-long-enough"
DEBUG = False
DEMO_MODE = True
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    # For tests that run a real `db_worker` in a subprocess (batches: the import killed with SIGKILL).
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
BATCH_IMPORT_PAUSE_SECONDS = float(os.environ.get("XIETONG_BATCH_IMPORT_PAUSE", "0"))
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
# Tests change tokens behind the services' back (expiry moved by an UPDATE): every call reads its token.
# The verified-token cache has its own tests (accounts/tests/test_api_tokens.py), which turn it on.
XIETONG_API_TOKEN_CACHE_SECONDS = 0.0

# Uploads and the SQLite test database live in a temporary folder, removed when the run ends.
TEST_DIR = Path(tempfile.mkdtemp(prefix="xietong-test-"))
atexit.register(shutil.rmtree, TEST_DIR, True)
MEDIA_ROOT = TEST_DIR / "media"
AUDIT_CHECKPOINT_FILE = TEST_DIR / "audit-checkpoints.log"

# A file-based SQLite test database (not in-memory), so tests with several threads exercise
# the same locking (WAL, busy timeout, immediate transactions) as the embedded default does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_DIR / "test.sqlite3")}
# A worker subprocess started by a test works on that test's database (SQLite file or PostgreSQL name).
if os.environ.get("XIETONG_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["XIETONG_TEST_DB_NAME"]
SMS_BACKEND = "xietong.notifications.backends.LocmemSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

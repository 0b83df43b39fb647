"""The test suite: same as production in behaviour, fast password hashing."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
DEMO_MODE = True
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

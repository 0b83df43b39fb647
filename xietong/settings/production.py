"""Production: everything secret or site-specific comes from the environment."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, logging_config, media_storage

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production refuses to start without it: "
        "set the SECRET_KEY environment variable to a long random value "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
SECRET_KEY = os.environ["SECRET_KEY"]
if len(os.environ.get("AUDIT_HMAC_KEY", "")) < 32:
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY is not set (or shorter than 32 characters). Production refuses to start without it: "
        "it keys the audit trail's hash chain and signs its checkpoints, and must never be stored in the database. "
        "Set the AUDIT_HMAC_KEY environment variable to a long random value, kept apart from the database backups "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'), and never change it: "
        "the entries written with it are verified with it."
    )
AUDIT_HMAC_KEY = os.environ["AUDIT_HMAC_KEY"]
_public = urlsplit(os.environ.get("PUBLIC_BASE_URL", ""))
if _public.scheme != "https" or not _public.hostname or _public.query or _public.fragment:
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL is not set (or not an https:// address). Production refuses to start without it: "
        "the links sent by SMS and e-mail (reminders, notices, electronic service) are built from it, and a "
        "phone cannot open a bare path. Set the PUBLIC_BASE_URL environment variable to the address the "
        "public reaches the platform at (e.g. https://xietong.example.org)."
    )
PUBLIC_BASE_URL = os.environ["PUBLIC_BASE_URL"]
DEBUG = False
DEMO_MODE = env_bool("XIETONG_DEMO", False)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Probes and the metrics scraper talk plain HTTP to the process, inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": media_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per log line, with the request id (XIETONG_LOG_JSON=0 for plain lines).
LOGGING = logging_config(json_lines=env_bool("XIETONG_LOG_JSON", True))

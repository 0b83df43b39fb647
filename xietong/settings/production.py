"""Production: everything secret or site-specific comes from the environment."""

import os

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

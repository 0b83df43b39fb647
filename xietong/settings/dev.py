"""Local development and the demo: `make demo`."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)  # the demo runs with DEBUG=0 (scripts/run-demo.sh): friendly error pages
# Static files come from the apps' folders through WhiteNoise, with or without DEBUG and collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-never-use-in-production"
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or "dev-only-audit-key-not-secret"
DEMO_MODE = env_bool("XIETONG_DEMO", True)

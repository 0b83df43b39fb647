"""Local development and the demo: `make demo`."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-never-use-in-production"
DEMO_MODE = env_bool("XIETONG_DEMO", True)

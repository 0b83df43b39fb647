from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("delivered")
    FAILED = "failed", _("failed, retry scheduled")
    GIVING_UP = "giving_up", _("given up")


EVENT_CASE_STATE_CHANGED = "case.state_changed"

# Wait after the 1st, 2nd, ... failed attempt; after MAX_ATTEMPTS failures the delivery gives up.
BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 5
# While one runner sends, the delivery is not due for others (a second runner skips it).
CLAIM_SECONDS = 60
RESPONSE_EXCERPT_CHARS = 500

from typing import Any

from django.core.management.base import BaseCommand

from xietong.webhooks.services import deliveries_send_due


class Command(BaseCommand):
    help = "Send every webhook delivery that is due (first attempts and retries). Run it every minute."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        sent = deliveries_send_due(limit=options["limit"])
        self.stdout.write(f"{sent} webhook deliveries attempted")

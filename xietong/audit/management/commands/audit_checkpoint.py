from typing import Any

from django.core.management.base import BaseCommand

from xietong.audit.services import audit_checkpoint, checkpoint_file


class Command(BaseCommand):
    help = "Append a signed checkpoint of the audit head to the checkpoint file (as the hourly task does)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reason", default="by hand", help="Written with the checkpoint (e.g. 'upgrade done').")

    def handle(self, *args: Any, reason: str, **options: Any) -> None:
        point = audit_checkpoint(reason=reason)
        self.stdout.write(f"checkpoint of entry {point.seq} ({point.hash[:12]}…) appended to {checkpoint_file()}")

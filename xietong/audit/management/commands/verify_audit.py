from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xietong.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken or missing link."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = audit_verify()
        if problem:
            raise CommandError(
                f"audit trail broken at entry {problem.seq}: {problem.reason} ({checked} entries intact before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {checked} entries"))

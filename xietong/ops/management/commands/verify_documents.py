from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xietong.ops.backup import documents_verify


class Command(BaseCommand):
    help = "Check every stored document (agreements, rulings, served documents, attachments, batch files) against its recorded SHA-256."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = documents_verify()
        for p in problems[:50]:
            self.stderr.write(f"{p.model} {p.pk}: {p.name}: {p.reason}")
        if problems:
            raise CommandError(f"{len(problems)} of {checked} documents do not match their recorded hash")
        self.stdout.write(self.style.SUCCESS(f"documents intact: {checked} files match their recorded SHA-256"))

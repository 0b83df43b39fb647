import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand


def openapi_document() -> str:
    from xietong.api import api

    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document (committed as docs/openapi.json and diffed by the tests)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default="docs/openapi.json")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        Path(path).write_text(openapi_document(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")

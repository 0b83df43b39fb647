"""SMS backends. Pick one with the SMS_BACKEND setting; a real gateway is one more class."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Sms:
    to: str
    text: str


class BaseSmsBackend:
    def send(self, message: Sms) -> None:
        raise NotImplementedError


class ConsoleFileSmsBackend(BaseSmsBackend):
    """Writes each message to standard output and appends it to SMS_FILE_PATH (the default)."""

    _lock = threading.Lock()

    def send(self, message: Sms) -> None:
        line = f"{timezone.now().isoformat(timespec='seconds')}\t{message.to}\t{message.text}\n"
        sys.stdout.write(f"[SMS] {line}")
        path = settings.SMS_FILE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(line)


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in `outbox` (tests)."""

    outbox: list[Sms] = []

    def send(self, message: Sms) -> None:
        LocmemSmsBackend.outbox.append(message)


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    return backend

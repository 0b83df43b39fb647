"""A simulated clock, so the demo region's history is replayed at the times it is meant to have happened.

The services stamp everything with `django.utils.timezone.now()`: audit entries, the case timeline,
closing times, case numbers' years, creation times. To give the demo four months of history (a batch
closed within last month, a fast-track case closed in days), the loader replays that history step by
step, in chronological order, with the clock set to each step's time. The services run unchanged.

Only `django.utils.timezone`'s view of the current time is replaced, and only while the clock is
entered: every `timezone.now()`, `timezone.localdate()` and field default `timezone.now` then reads
the simulated time. The clock never runs backwards, so the audit trail stays in time order.

This is for the `load_demo` command (one process, nothing else running in it). Never use it in a
web process: the replacement is process-wide while it lasts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from django.utils import timezone as dj_timezone

_REAL_DATETIME = dt.datetime


class _ClockMeta(type):
    # `isinstance(value, datetime)` inside django.utils.timezone keeps working on real datetimes.
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _REAL_DATETIME)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(sub, _REAL_DATETIME)


class _ClockDatetime(dt.datetime, metaclass=_ClockMeta):
    at: dt.datetime | None = None
    since: float | None = None  # monotonic seconds when the clock started running from `at`

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
        at = _ClockDatetime.at
        if at is None:
            return _REAL_DATETIME.now(tz)
        if _ClockDatetime.since is not None:
            at += dt.timedelta(seconds=time.monotonic() - _ClockDatetime.since)
        return at.astimezone(tz) if tz is not None else at.astimezone().replace(tzinfo=None)


class SimulatedClock:
    """`with SimulatedClock() as clock: clock.set(t); ...` — `release()` returns to real time."""

    def __init__(self) -> None:
        self._saved: Any = None

    def __enter__(self) -> SimulatedClock:
        current = dj_timezone.datetime  # type: ignore[attr-defined]
        if current is _ClockDatetime:
            raise RuntimeError("A simulated clock is already running.")
        self._saved = current
        _ClockDatetime.at = None
        setattr(dj_timezone, "datetime", _ClockDatetime)  # noqa: B010
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        setattr(dj_timezone, "datetime", self._saved)  # noqa: B010
        _ClockDatetime.at = None
        _ClockDatetime.since = None

    @property
    def now(self) -> dt.datetime | None:
        return _ClockDatetime.at

    def set(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("The simulated clock takes aware datetimes only.")
        current = _ClockDatetime.at
        if current is not None and at < current:
            raise ValueError(f"The simulated clock cannot run backwards ({at} < {current}).")
        if at > _REAL_DATETIME.now(dt.UTC):
            raise ValueError(f"The simulated clock cannot run ahead of the real time ({at}).")
        _ClockDatetime.at = at

    @contextmanager
    def running(self) -> Iterator[None]:
        """Let the simulated time run at the real pace for a while (a measured import takes its real
        seconds from the moment it is set at); it stands still again where it got to."""
        if _ClockDatetime.at is None:
            raise ValueError("Set the simulated clock before letting it run.")
        _ClockDatetime.since = time.monotonic()
        try:
            yield
        finally:
            _ClockDatetime.at = _ClockDatetime.now(dt.UTC)
            _ClockDatetime.since = None

    def release(self) -> None:
        """Back to real time (still inside the `with`)."""
        _ClockDatetime.at = None
        _ClockDatetime.since = None

"""Memory housekeeping for bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while many long-lived objects are built (a context or a decorator).

    Reading and checking 100,000 rows of a batch makes a few hundred thousand objects that all live
    until the end; each full collection walks every one of them, and there were five or six per file
    (0.7-0.9 s of a 3 s check). Reference counting still frees everything as usual in the meantime;
    only reference cycles wait for the collector, which resumes when the work is done. The pause is
    process-wide: use it around bounded work, not around waiting.
    """
    if not gc.isenabled():  # already paused by a caller: theirs to resume
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()

"""Bounds on the work untrusted templates can cause: render time, output size, loop ranges."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

FORMAT_SECONDS = 300.0  # one format's render, WeasyPrint included
MAX_RANGE = 100_000  # items one `range` in a template may give
MAX_STRING = 1_000_000  # characters a template may make by repetition or `lipsum`
MAX_OUTPUT = 32 * 1024 * 1024  # characters one template render may produce

_deadline: list[float] = []  # the innermost time limit, for checks where no signal can reach


class LimitExceeded(Exception):
    """A template or a format used more time, output or loop range than allowed."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise LimitExceeded in the block once `seconds` have passed (a timer signal in the main thread)."""
    _deadline.append(time.monotonic() + seconds)
    use_signal = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if use_signal:

        def expire(signum, frame):
            raise LimitExceeded(f"{what} took longer than {seconds:g} s; simplify the template")

        previous = signal.signal(signal.SIGALRM, expire)
        started, outer = time.monotonic(), signal.setitimer(signal.ITIMER_REAL, seconds)[0]
    try:
        yield
    finally:
        if use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer:  # an enclosing timer keeps its remaining time
                signal.setitimer(signal.ITIMER_REAL, max(0.001, outer - (time.monotonic() - started)))
        _deadline.pop()


def check_time() -> None:
    """Raise LimitExceeded when the innermost time limit has passed (for threads without the signal)."""
    if _deadline and time.monotonic() > _deadline[-1]:
        raise LimitExceeded("the render took longer than allowed; simplify the template")

"""Bounds on the work untrusted templates can cause: counted steps and sizes first, render time last.

A template render has a work budget: loop iterations (across nesting, includes and macros) and
calls are counted against MAX_ITERATIONS and MAX_CALLS, and a string, list or mapping a template
makes may not pass MAX_STRING items. Each is refused the moment it is passed, naming the template and line. The
per-format timer stays as the last resort, for work the counts do not see (WeasyPrint's layout).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FORMAT_SECONDS = 300.0  # one format's render, WeasyPrint included
MAX_RANGE = 100_000  # items one `range` in a template may give
MAX_STRING = 1_000_000  # characters a template may make by repetition or `lipsum`
MAX_OUTPUT = 32 * 1024 * 1024  # characters one template render may produce
MAX_ITERATIONS = 200_000  # loop iterations one render may make, across nesting (the default templates: under 600)
MAX_CALLS = 20_000  # macro, function and method calls one render may make (the default templates: under 300)

_deadline: list[float] = []  # the innermost time limit, for checks where no signal can reach


class LimitExceeded(Exception):
    """A template or a format used more time, output or loop range than allowed."""


class Budget:
    """The loop iterations and calls one render has made."""

    def __init__(self) -> None:
        self.iterations = self.calls = 0

    def iterate(self, count: int) -> None:
        self.iterations += count
        if self.iterations > MAX_ITERATIONS:
            raise LimitExceeded(
                f"more than {MAX_ITERATIONS:,} loop iterations in one render (nested loops multiply); "
                "loop over less or nest fewer loops"
            )

    def call(self) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise LimitExceeded(f"more than {MAX_CALLS:,} calls in one render; call macros and methods fewer times")


_budget: ContextVar[Budget | None] = ContextVar("budget", default=None)


@contextmanager
def work_budget() -> Iterator[Budget]:
    """Give the renders in the block one fresh budget (a render reads it with `current_budget`)."""
    budget = Budget()
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def current_budget() -> Budget | None:
    return _budget.get()


def check_size(value: object, what: str) -> None:
    """Refuse a string, list or mapping longer than MAX_STRING items."""
    if isinstance(value, str | list | tuple | dict) and len(value) > MAX_STRING:
        unit = "characters" if isinstance(value, str) else "items"
        raise LimitExceeded(f"{what} makes {len(value):,} {unit}, more than {MAX_STRING:,}; make less text")


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

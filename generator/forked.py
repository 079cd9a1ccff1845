"""A function run in a forked child process, its JSON result or error message sent back through a pipe.

The build renders the poster this way while it renders the other formats itself. A
RenderContext holds a Jinja environment and read-only mappings that do not pickle, so the
child is forked (`os.fork`) and inherits everything as it is, instead of being started by
multiprocessing. The child runs the function, writes `{"value": ...}` or `{"error": message}`
to the pipe and leaves with `os._exit`: none of the parent's cleanup (`finally` blocks, atexit
handlers, buffered output, which is flushed before the fork) runs twice. The parent always
reaps the child, killing it first when it stops waiting early, so neither a zombie nor an
orphan is left behind.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, NoReturn


class ChildFailed(Exception):
    """The function raised in the child (the message is its exception's), or the child died or overran."""


def available() -> bool:
    """Return whether forking is possible and safe: Linux (macOS's system libraries may not survive a fork
    without exec), and no other thread whose held locks a child would inherit."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


class Forked:
    """One child process running `work()`; `result()` waits for it, `stop()` ends it early."""

    def __init__(self, work: Callable[[], Any], timeout: float, label: str) -> None:
        """Fork a child that runs `work`; `label` starts the messages of a child that dies or passes `timeout` s."""
        self._label, self._timeout = label, timeout
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: the caller may do the work itself
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:
            os.close(read_end)
            _run_child(work, write_end)
        os.close(write_end)
        self._pid: int | None = pid
        self._pipe: int | None = read_end
        self._deadline = time.monotonic() + timeout

    def result(self) -> Any:
        """Wait for the child's report, reap the child, and return its value; raise ChildFailed otherwise."""
        try:
            report = self._read_report()
            status = self._reap() if report is not None else 0  # the pipe's end: the child is leaving
        finally:
            self.stop()
        if report is None:
            raise ChildFailed(f"{self._label} took longer than {self._timeout:g} s and was stopped")
        try:
            outcome = json.loads(report.decode("utf-8")) if report else {}
        except ValueError:
            outcome = {}
        if "error" in outcome:
            raise ChildFailed(str(outcome["error"]))
        if "value" not in outcome:
            raise ChildFailed(f"{self._label} ended without a result ({_describe(status)})")
        return outcome["value"]

    def stop(self) -> None:
        """Kill the child if it still runs and reap it; safe to call more than once."""
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)  # an unreaped child exists, if only as a zombie
            self._reap()
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None

    def _read_report(self) -> bytes | None:
        """Read the pipe to its end (the child's exit); None if the deadline passes first."""
        assert self._pipe is not None
        chunks: list[bytes] = []
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._pipe], [], [], remaining)[0]:
                return None
            chunk = os.read(self._pipe, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def _reap(self) -> int:
        """Wait for the child to end and return its wait status (0 if it was reaped before)."""
        if self._pid is None:
            return 0
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return status


def _run_child(work: Callable[[], Any], pipe: int) -> NoReturn:
    """In the child: run `work`, report through `pipe`, and leave without returning into the parent's code."""
    status = 1
    try:
        try:
            report = {"value": work()}
        except Exception as exc:
            report = {"error": str(exc)}
        data = json.dumps(report).encode("utf-8")
        while data:
            data = data[os.write(pipe, data) :]
        status = 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"

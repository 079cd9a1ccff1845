"""A function run in a forked child process, its JSON result or error message sent back through a pipe.

The build renders the poster this way while it renders the other formats itself. A
RenderContext holds a Jinja environment that does not pickle, so the child is forked
(`os.fork`) and inherits everything as it is, instead of being started by
multiprocessing. The child runs the function, writes `{"value": ...}` or `{"error": message}`
to the pipe and leaves with `os._exit`: none of the parent's cleanup (`finally` blocks, atexit
handlers, buffered output, which is flushed before the fork) runs twice. The parent always
reaps the child, killing it first when it stops waiting early, so neither a zombie nor an
orphan is left behind.

A `Standby` child is forked before its work is known, so that slow preparation (WeasyPrint's
import) overlaps the parent's loading; its one job then arrives pickled, through an anonymous
in-memory file (`memfd`) that nothing has to drain before the parent can go on.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import json
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import MappingProxyType
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
        read_end, write_end = os.pipe()
        pid = _fork(read_end, write_end)
        if pid == 0:
            os.close(read_end)
            _run_child(work, write_end)
        os.close(write_end)
        self._adopt(pid, read_end, timeout, label)

    @classmethod
    def _adopted(cls, pid: int, pipe: int, timeout: float, label: str) -> Forked:
        """Return the handle of a running child that reports through `pipe` (a Standby's, once it has its job)."""
        handle = cls.__new__(cls)
        handle._adopt(pid, pipe, timeout, label)
        return handle

    def _adopt(self, pid: int, pipe: int, timeout: float, label: str) -> None:
        self._label, self._timeout = label, timeout
        self._pid: int | None = pid
        self._pipe: int | None = pipe
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


class Standby:
    """A child forked ahead of its work: it runs `prepare()` while the parent goes on, then waits.

    `start(work, timeout)` sends it its one job and returns the `Forked` handle to wait for the
    result; `stop()` (or leaving the `with` block) kills and reaps a child that got no job.
    The job is pickled: a module-level function, or a partial of one, with picklable arguments.
    If `prepare` fails, the child waits all the same: the job meets the same failure and reports it.
    """

    def __init__(self, prepare: Callable[[], None], label: str) -> None:
        self._label = label
        job = os.memfd_create("generator-job", os.MFD_CLOEXEC)
        go_read, go = os.pipe()  # the job's size, once it is written
        self._job: int | None = job
        self._go: int | None = go
        report_read, report_write = os.pipe()
        try:
            pid = _fork(go_read, report_write)
        except OSError:
            for end in (job, go, report_read):
                os.close(end)
            raise
        if pid == 0:
            os.close(go)
            os.close(report_read)
            _stand_by(prepare, job, go_read, report_write)
        os.close(go_read)
        os.close(report_write)
        self._pid: int | None = pid
        self._report: int | None = report_read

    def start(self, work: Callable[[], Any], timeout: float) -> Forked:
        """Send `work` to the child and return the handle to its result, due within `timeout` s."""
        job, go = self._job, self._go
        if self._pid is None or self._report is None or job is None or go is None:
            raise RuntimeError("this standby child has already been given its job or stopped")
        data = pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(lambda chunk, offset: os.pwrite(job, chunk, offset), data)
        with contextlib.suppress(BrokenPipeError):  # the child is gone: its handle will say how it ended
            os.write(go, len(data).to_bytes(8, "big"))
        handle = Forked._adopted(self._pid, self._report, timeout, self._label)
        self._pid = self._report = None
        self._close()
        return handle

    def stop(self) -> None:
        """Kill and reap a child that has not been given a job; safe to call more than once."""
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
        if self._report is not None:
            os.close(self._report)
            self._report = None
        self._close()

    def __enter__(self) -> Standby:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _close(self) -> None:
        for end in (self._job, self._go):
            if end is not None:
                os.close(end)
        self._job = self._go = None


def _fork(*inherited: int) -> int:
    """Fork with the standard streams flushed; on failure close `inherited` (pipe ends) and raise.

    The child runs without the garbage collector: it does one job and leaves through `os._exit`,
    so its garbage, one format's, goes with it; collecting it took 15-20 ms of the poster's process.
    """
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    try:
        pid = os.fork()
    except OSError:  # no process to spare: the caller may do the work itself
        for end in inherited:
            os.close(end)
        raise
    if pid == 0:
        gc.disable()
    return pid


def _stand_by(prepare: Callable[[], None], job: int, go: int, report: int) -> NoReturn:
    """In a Standby child: prepare, wait for the job's size (none: leave), load the job and run it."""
    try:
        with contextlib.suppress(Exception):  # the job meets the same failure, and reports it
            prepare()
        size = _read_exactly(go, 8)
        work = pickle.loads(_read_job(job, int.from_bytes(size, "big"))) if len(size) == 8 else None
    except BaseException:
        os._exit(1)
    if work is None:
        os._exit(0)
    _run_child(work, report)


def _read_exactly(fd: int, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = os.read(fd, count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _read_job(job: int, size: int) -> bytes:
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(job, size - offset, offset)
        if not chunk:
            raise EOFError("the job is shorter than announced")
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _write_all(write: Callable[[bytes, int], int], data: bytes) -> None:
    offset = 0
    while offset < len(data):
        offset += write(data[offset:], offset)


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


# The model's read-only mappings travel to a Standby child inside its job.
copyreg.pickle(MappingProxyType, lambda proxy: (_mapping_proxy, (dict(proxy),)))


def _run_child(work: Callable[[], Any], pipe: int) -> NoReturn:
    """In the child: run `work`, report through `pipe`, and leave without returning into the parent's code."""
    status = 1
    try:
        try:
            report = {"value": work()}
        except Exception as exc:
            report = {"error": str(exc)}
        _write_all(lambda chunk, _offset: os.write(pipe, chunk), json.dumps(report).encode("utf-8"))
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

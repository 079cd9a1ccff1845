"""Run `python -m MODULE ARGS...` and record the peak RSS of this process and of every forked child.

Usage: python benchmarks/peak_rss.py REPORT -m MODULE ARGS... (or a script path instead of `-m MODULE`).

Each process appends `pid role kib` to REPORT just before it exits, read from its own
`VmHWM` in /proc/self/status: the main process at exit, each forked child (the build's poster
process, edition workers) as it leaves through `os._exit`, as both kinds do. The figure is the
process's own high-water mark, not its parent's: `getrusage(RUSAGE_CHILDREN)` in the parent
would echo the parent's peak, which a child inherits through fork and exec. A forked child's
figure includes the pages it shares with the process it was forked from.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from typing import NoReturn


def _peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _reporter(report: str, role: str):
    def write() -> None:
        with open(report, "a", encoding="ascii") as out:
            out.write(f"{os.getpid()} {role} {_peak_kib()}\n")

    return write


_REAL_EXIT = os._exit


def main() -> None:
    report, *command = sys.argv[1:]
    atexit.register(_reporter(report, "main"))
    child_report = _reporter(report, "worker")

    def exit_reporting(status: int) -> NoReturn:
        child_report()
        _REAL_EXIT(status)

    os.register_at_fork(after_in_child=lambda: setattr(os, "_exit", exit_reporting))
    if command[0] == "-m":
        sys.argv = [command[1], *command[2:]]
        runpy.run_module(command[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = command
        runpy.run_path(command[0], run_name="__main__")


if __name__ == "__main__":
    main()

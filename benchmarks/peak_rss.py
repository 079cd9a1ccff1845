"""Run `python -m MODULE ARGS...` and record the peak RSS of this process and of every forked worker.

Usage: python benchmarks/peak_rss.py REPORT -m MODULE ARGS... (or a script path instead of `-m MODULE`).

Each process appends `pid role kib` to REPORT just before it exits, read from its own
`VmHWM` in /proc/self/status. The figure is the process's own high-water mark, not its
parent's: `getrusage(RUSAGE_CHILDREN)` in the parent would echo the parent's peak, which
a child inherits through fork and exec. A forked worker's figure includes the pages it
shares with the process it was forked from.
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import os
import runpy
import sys


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


class _Hook:
    """multiprocessing runs after-fork hooks in each worker after clearing its finalizers."""


def main() -> None:
    report, *command = sys.argv[1:]
    atexit.register(_reporter(report, "main"))
    hook = _Hook()
    multiprocessing.util.register_after_fork(
        hook, lambda _: multiprocessing.util.Finalize(None, _reporter(report, "worker"), exitpriority=100)
    )
    globals()["_keep_hook"] = hook  # the registry holds hooks weakly
    if command[0] == "-m":
        sys.argv = [command[1], *command[2:]]
        runpy.run_module(command[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = command
        runpy.run_path(command[0], run_name="__main__")


if __name__ == "__main__":
    main()

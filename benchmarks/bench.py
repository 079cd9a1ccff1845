"""Benchmark the build: per-format and total times, and peak memory.

Run with `nox -s bench` (or `python benchmarks/bench.py [--repeat N]`). Each format is
rendered N times into a scratch folder; the best and median times are printed, then
a full cold build in a fresh process, whose peak resident memory is reported.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator.edition import make_edition
from generator.pipeline import render_context
from generator.renderers import RENDERERS
from generator.source.load import load_framework


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    fw = load_framework()
    load_time = time.perf_counter() - started
    ctx = render_context(make_edition(fw))

    print(f"{'step':<12} {'best s':>8} {'median s':>9} {'files':>6} {'KiB':>8}")
    print(f"{'load':<12} {load_time:8.3f} {load_time:9.3f}")
    total_best = load_time
    for renderer in RENDERERS:
        times, files, size = [], 0, 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as scratch:
                t0 = time.perf_counter()
                written = renderer.render(ctx, Path(scratch))
                times.append(time.perf_counter() - t0)
                files = len(written)
                size = sum((Path(scratch) / p).stat().st_size for p in written)
        total_best += min(times)
        print(f"{renderer.name:<12} {min(times):8.3f} {statistics.median(times):9.3f} {files:6d} {size / 1024:8.0f}")
    print(f"{'total':<12} {total_best:8.3f}   (warm, best of {args.repeat}, this process)")
    warm_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {warm_peak:.0f} MiB")

    with tempfile.TemporaryDirectory() as scratch:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "generator", "build", "--out", scratch], check=True, capture_output=True)
        cold = time.perf_counter() - t0
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"cold full build in a new process: {cold:.3f} s, peak memory {child_peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

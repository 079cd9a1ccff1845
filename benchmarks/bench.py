"""Benchmark the build as whole processes: the floor, cold and unchanged builds, each format, editions.

Run with `nox -s bench` or `python benchmarks/bench.py [--runs N] [--quick] [--only SECTIONS]`.
Every figure is the median of N runs (default 5) with min and max, each run a fresh process:

- floor: one process importing jinja2, yaml, python-docx, docxtpl, openpyxl and weasyprint and
  rendering a trivial document with each (`floor.py`), alternated with a cold full reference build
  (`python -m generator build` into a fresh folder); their ratio;
- rebuild: the same build into the same folder again, nothing changed;
- formats: each format alone, cold (`build --only FORMAT` in a new process) and warm (rendered again
  in a process that has rendered it once);
- editions: N = 1, 10, 50 generated profiles in one `build --org` command, total and per edition;
- explorer: the explorer page's size and its time to interactive in headless Debian chromium (the
  time from navigation start to the `explorer-ready` mark its script sets once it has rendered), each
  run a fresh page; against the budgets of 250 KB and 200 ms.

The cold full build's ratio to the floor is checked against its budget of 1.3x.

The generator's bytecode is compiled first, as an installed package's is (pip compiles it; an
editable install writes it on first use unless PYTHONDONTWRITEBYTECODE is set), and one build
first compiles the default templates into the user's cache (`generator.template_cache`), as the
first build after installing does, so no build pays for compiling its own source or templates.
Peak memory is each process's own high-water mark (`peak_rss.py`), and each forked child's (the
poster's process, edition workers). The results go to build/bench.json so runs can be compared.
`--quick` (3 runs, N = 1, 10) is a smoke run.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SECTIONS = ("floor", "rebuild", "formats", "editions", "explorer")
RATIO_BUDGET = 1.3  # cold full build / floor
EXPLORER_BUDGET_KB = 250
EXPLORER_BUDGET_MS = 200
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Run:
    seconds: float
    peak_mib: float
    worker_peak_mib: float | None = None


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    def summary(self) -> dict:
        seconds = [r.seconds for r in self.runs]
        peaks = [r.peak_mib for r in self.runs]
        result = {
            "median_s": round(statistics.median(seconds), 3),
            "min_s": round(min(seconds), 3),
            "max_s": round(max(seconds), 3),
            "runs": len(seconds),
            "peak_rss_mib": round(max(peaks), 1),
        }
        workers = [r.worker_peak_mib for r in self.runs if r.worker_peak_mib is not None]
        if workers:
            result["worker_peak_rss_mib"] = round(max(workers), 1)
        return result


def run_process(args: list[str], scratch: Path) -> Run:
    """Run `python peak_rss.py REPORT ARGS...` from the project root; return its time and peaks."""
    report = scratch / f"rss-{time.monotonic_ns()}.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(HERE / "peak_rss.py"), str(report), *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(args)}\n{done.stderr}")
    main_kib, worker_kib = 0, []
    for line in report.read_text(encoding="ascii").splitlines():
        _pid, role, kib = line.split()
        if role == "main":
            main_kib = int(kib)
        else:
            worker_kib.append(int(kib))
    report.unlink()
    return Run(seconds, main_kib / 1024, max(worker_kib) / 1024 if worker_kib else None)


def build_args(out: Path, *extra: str) -> list[str]:
    return ["-m", "generator", "build", "--out", str(out), *extra]


def bench_floor(runs: int, scratch: Path) -> dict:
    """The floor and the cold full build, alternating, and their ratio."""
    floor, cold = Series(), Series()
    for i in range(runs):
        pair: list[tuple[Series, list[str]]] = [
            (floor, [str(HERE / "floor.py")]),
            (cold, build_args(scratch / f"cold-{i}")),
        ]
        for series, args in pair if i % 2 == 0 else reversed(pair):
            series.runs.append(run_process(args, scratch))
    result: dict = {"floor": floor.summary(), "cold_build": cold.summary()}
    result["ratio"] = round(result["cold_build"]["median_s"] / result["floor"]["median_s"], 2)
    result["within_budget"] = result["ratio"] <= RATIO_BUDGET
    result["subsetter"] = subsetter(scratch / "cold-0")
    return result


def bench_rebuild(runs: int, scratch: Path) -> dict:
    """The reference build into a folder that already holds it, nothing changed."""
    out = scratch / "rebuild"
    run_process(build_args(out), scratch)
    before = _hashes(out)
    series = Series([run_process(build_args(out), scratch) for _ in range(runs)])
    result = series.summary()
    result["identical_files"] = _hashes(out) == before
    return result


def bench_formats(runs: int, scratch: Path) -> dict:
    """Each format alone: cold in a new process, warm in this one after a first render."""
    from generator.edition import Edition
    from generator.pipeline import build
    from generator.renderers import by_name
    from generator.source.load import load_framework

    framework = load_framework()
    results = {}
    for name in by_name():
        cold = Series([run_process(build_args(scratch / f"{name}-{i}", "--only", name), scratch) for i in range(runs)])
        warm: list[float] = []
        for i in range(runs + 1):
            started = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):
                build(Edition(framework, only=(name,)), scratch / f"warm-{name}-{i}")
            warm.append(time.perf_counter() - started)
        warm = warm[1:]  # the first render pays the imports and caches
        results[name] = {
            "cold": cold.summary(),
            "warm": {
                "median_s": round(statistics.median(warm), 3),
                "min_s": round(min(warm), 3),
                "max_s": round(max(warm), 3),
                "runs": len(warm),
            },
        }
    return results


def bench_editions(runs: int, counts: tuple[int, ...], jobs: int, scratch: Path) -> dict:
    """N generated profiles built by one `build --org` command, total and per edition."""
    from generator.org.scaffold import init_org
    from generator.source.load import load_framework

    framework = load_framework()
    results = {}
    for count in counts:
        profiles = scratch / f"orgs-{count}"
        for k in range(count):
            init_org(profiles / f"org-{k:03d}", f"Bench Organisation {k:03d}", framework)
        series = Series()
        for i in range(runs):
            out = scratch / f"editions-{count}-{i}"
            series.runs.append(run_process(build_args(out, "--org", str(profiles), "--jobs", str(jobs)), scratch))
        summary = series.summary()
        summary["per_edition_s"] = round(summary["median_s"] / count, 3)
        results[str(count)] = summary
    return {"jobs": jobs, "by_count": results}


def bench_explorer(runs: int, scratch: Path) -> dict:
    """The explorer page's size, and its time to interactive in headless chromium, each run a fresh page."""
    out = scratch / "explorer"
    run_process(build_args(out, "--only", "explorer"), scratch)
    (page,) = out.glob("*-explorer.html")
    result: dict = {"size_kb": round(page.stat().st_size / 1024, 1), "budget_kb": EXPLORER_BUDGET_KB}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {**result, "skipped": "playwright is not installed"}
    if not CHROMIUM.exists():
        return {**result, "skipped": f"{CHROMIUM} is absent"}
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for _ in range(runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            tab.goto(page.as_uri())
            tab.wait_for_selector("html[data-ready=true]")
            times.append(tab.evaluate("performance.getEntriesByName('explorer-ready')[0].startTime"))
            context.close()
        browser.close()
    times = times[1:]  # the first page pays the browser's own warm-up
    return {
        **result,
        "interactive_ms": {
            "median": round(statistics.median(times), 1),
            "min": round(min(times), 1),
            "max": round(max(times), 1),
            "runs": len(times),
        },
        "budget_ms": EXPLORER_BUDGET_MS,
        "within_budget": result["size_kb"] <= EXPLORER_BUDGET_KB and statistics.median(times) <= EXPLORER_BUDGET_MS,
    }


def subsetter(build_dir: Path) -> str:
    """Return the font subsetter WeasyPrint used: from the manifest if it says, else from WeasyPrint."""
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    formats = manifest.get("formats", {}).values()  # a format whose traits say it subsets fonts records it
    recorded = next((f["font_subsetter"] for f in formats if "font_subsetter" in f), None)
    if recorded:
        return recorded
    probe = "from weasyprint.text.ffi import harfbuzz_subset; print('harfbuzz' if harfbuzz_subset else 'fonttools')"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def _hashes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _line(label: str, s: dict) -> str:
    peak = f"  peak {s['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in s else ""
    worker = f", forked child {s['worker_peak_rss_mib']:.0f} MiB" if "worker_peak_rss_mib" in s else ""
    spread = f"(min {s['min_s']:.3f}, max {s['max_s']:.3f}, n={s['runs']})"
    return f"  {label:<28} {s['median_s']:7.3f} s {spread}{peak}{worker}"


def report(results: dict) -> None:
    if "floor" in results:
        f = results["floor"]
        print("floor and cold full build (alternating, whole processes):")
        print(_line("floor", f["floor"]))
        print(_line("cold full build", f["cold_build"]))
        within = "within" if f["within_budget"] else "OVER"
        print(f"  ratio cold / floor: {f['ratio']:.2f}x ({within} {RATIO_BUDGET}x)   font subsetter: {f['subsetter']}")
    if "rebuild" in results:
        r = results["rebuild"]
        print("unchanged rebuild:")
        print(_line("rebuild, nothing changed", r) + ("" if r["identical_files"] else "  FILES CHANGED"))
    if "formats" in results:
        print("per format (cold: a new process with --only; warm: rendered again in one process):")
        for name, s in results["formats"].items():
            print(_line(f"{name} cold", s["cold"]))
            print(_line(f"{name} warm", s["warm"]))
    if "editions" in results:
        e = results["editions"]
        print(f"editions (one build --org command, --jobs {e['jobs']}):")
        for count, s in e["by_count"].items():
            print(_line(f"{count} editions", s) + f"  = {s['per_edition_s']:.3f} s each")
    if "explorer" in results:
        x = results["explorer"]
        print(f"explorer page: {x['size_kb']:.1f} KB (budget {x['budget_kb']} KB)")
        if "skipped" in x:
            print(f"  time to interactive: skipped, {x['skipped']}")
        else:
            t, within = x["interactive_ms"], "within" if x["within_budget"] else "OVER"
            spread = f"(min {t['min']:.1f}, max {t['max']:.1f}, n={t['runs']})"
            print(f"  time to interactive: {t['median']:.1f} ms {spread}, {within} the budgets")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 runs, editions N = 1, 10")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="editions built at once (default 2)")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench.json", help="results file")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    sections = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section {', '.join(sorted(unknown))}; expected {', '.join(SECTIONS)}")
    counts = (1, 10) if args.quick else (1, 10, 50)

    sys.path.insert(0, str(ROOT))
    compileall.compile_dir(ROOT / "generator", quiet=1)
    results: dict = {"runs": runs, "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        scratch = Path(tmp)
        run_process(build_args(scratch / "warm"), scratch)  # compiles the templates into the cache
        if "floor" in sections:
            results["floor"] = bench_floor(runs, scratch)
        if "rebuild" in sections:
            results["rebuild"] = bench_rebuild(runs, scratch)
        if "formats" in sections:
            results["formats"] = bench_formats(runs, scratch)
        if "editions" in sections:
            results["editions"] = bench_editions(runs, counts, args.jobs, scratch)
        if "explorer" in sections:
            results["explorer"] = bench_explorer(runs, scratch)
    report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Organisation editions: one build per profile, in parallel, each in its own folder and process.

The command loads and checks the framework and every profile once, before the workers start.
Where processes fork (Linux), the workers inherit them, and the libraries the formats import,
instead of loading them again; each worker is reused for many editions. Elsewhere each worker
loads what it needs itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.edition import make_edition
from generator.forked import Standby
from generator.model import DEFAULT_FRAMEWORK, Framework
from generator.org.profile import PROFILE_FILE, Profile, load_profile, tailored_framework
from generator.pipeline import BuildError, build
from generator.problems import InputError, Problem
from generator.renderers import by_name
from generator.renderers.traits import traits_of
from generator.source.load import Reads, load_framework, previous_version

WORKER_DIED = "the process building this edition ended abruptly (killed or out of memory), twice; build it again"


@dataclass(frozen=True)
class EditionTask:
    profile_dir: Path
    slug: str
    data_dir: Path
    version: str | None
    out_dir: Path
    only: tuple[str, ...] | None
    poster_size: str | None
    force: bool = False
    framework: str | None = None  # the framework's id (None: the default)


@dataclass(frozen=True)
class EditionResult:
    slug: str
    out_dir: Path
    files: int
    size: int
    errors: tuple[str, ...] = ()


def expand(paths: Sequence[Path]) -> list[Path]:
    """Return profile folders: each path itself, or each sub-folder holding an org.yaml (or a symlink, to refuse)."""
    found: list[Path] = []
    for path in paths:
        if (path / PROFILE_FILE).is_file() or not path.is_dir():
            found.append(path)
        else:
            children = sorted(p for p in path.iterdir() if p.is_symlink() or (p / PROFILE_FILE).is_file())
            found.extend(children or [path])
    return found


def plan(
    paths: Sequence[Path],
    data_dir: Path,
    version: str | None,
    out_root: Path,
    only: Sequence[str] | None,
    poster_size: str | None,
    force: bool = False,
    framework_id: str | None = None,
) -> tuple[list[EditionTask], list[EditionResult]]:
    """Check every profile and that no two share an output folder.

    Each profile is checked against the framework it tailors (`framework_id`, when given, is the only
    one allowed). Returns the editions to build and, apart, the profiles refused with their problems
    (a failed edition's result), so one broken profile never stops the others.
    """
    _frameworks.clear()
    _profiles.clear()
    reads: Reads = {}  # the files several versions use (roles, reference lists) are read once
    if framework_id is None:  # the default framework is checked even when no profile tailors it
        _loaded_previous(data_dir, _loaded_framework(data_dir, version, reads=reads), reads)
    refused: list[EditionResult] = []
    tasks: list[EditionTask] = []
    owners: dict[str, Path] = {}
    for folder in expand(paths):
        try:
            if folder.is_symlink():
                raise InputError([Problem(folder, None, "", "is a symbolic link; copy the profile folder in instead")])
            tailors = framework_id or tailored_framework(folder)
            framework = _loaded_framework(data_dir, version, tailors, reads)
            _loaded_previous(data_dir, framework, reads)  # once here, inherited by every worker
            profile = load_profile(folder, framework)
        except InputError as exc:
            refused.append(EditionResult(folder.name, out_root, 0, 0, tuple(map(str, exc.problems))))
            continue
        if profile.slug in owners:
            message = f"output folder {profile.slug!r} is also used by {owners[profile.slug]}; give each a file_prefix"
            problem = Problem(folder / PROFILE_FILE, None, "file_prefix", message)
            refused.append(EditionResult(folder.name, out_root, 0, 0, (str(problem),)))
            continue
        owners[profile.slug] = folder
        _profiles[(folder, data_dir, version)] = profile
        out_dir = out_root / profile.slug
        selected = tuple(only or ()) or None
        task = EditionTask(folder, profile.slug, data_dir, version, out_dir, selected, poster_size, force, tailors)
        tasks.append(task)
    return tasks, refused


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(
    tasks: Sequence[EditionTask],
    jobs: int | None = None,
    progress: Callable[[str], None] = _stderr,
    standby: Standby | None = None,
) -> list[EditionResult]:
    """Build every edition, one process per core, counting them off; a failed edition does not stop the others.

    A single edition is built here as the reference build is, its poster in a second process
    (`standby` if given) when `jobs` allows. Returns the results in the order of `tasks`.
    """
    if len(tasks) == 1:
        result = build_edition(tasks[0], jobs or os.cpu_count() or 1, standby)
        progress(f"[1/1] {result.slug} {'failed' if result.errors else 'built'}")
        return [result]
    # Imported here: the reference build and single editions (most commands) never start a pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    workers = min(len(tasks), jobs or os.cpu_count() or 1)
    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork:
        _preload(tasks)
    context = multiprocessing.get_context("fork") if fork else None
    results: list[EditionResult | None] = [None] * len(tasks)
    done = 0
    for attempt in (1, 2):  # a worker that died (killed, out of memory) breaks the pool: its editions go again once
        waiting = [index for index, result in enumerate(results) if result is None]
        with ProcessPoolExecutor(max_workers=min(workers, len(waiting)), mp_context=context) as pool:
            futures = {pool.submit(build_edition, tasks[index]): index for index in waiting}
            for future in as_completed(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    if attempt == 1:
                        continue
                    task = tasks[futures[future]]
                    result = EditionResult(task.slug, task.out_dir, 0, 0, (WORKER_DIED,))
                results[futures[future]] = result
                done += 1
                progress(f"[{done}/{len(tasks)}] {result.slug} {'failed' if result.errors else 'built'}")
        if all(result is not None for result in results):
            break
    return [r for r in results if r is not None]


def _preload(tasks: Sequence[EditionTask]) -> None:
    """Run the `preload` of every format some edition renders (the poster: import WeasyPrint) once, for every worker."""
    for renderer in by_name().values():
        preload = traits_of(renderer).preload
        if preload is not None and any(t.only is None or renderer.name in t.only for t in tasks):
            preload()


def build_edition(task: EditionTask, jobs: int = 1, standby: Standby | None = None) -> EditionResult:
    """Load, tailor and build one organisation's edition into its own folder (`jobs`, `standby`: see pipeline.build)."""

    def progress(line: str) -> None:
        print(f"[{task.slug}] {line.strip()}", file=sys.stderr, flush=True)

    try:
        framework = _loaded_framework(task.data_dir, task.version, task.framework)
        profile = loaded_profile(task)
        previous = _loaded_previous(task.data_dir, framework)
        edition = make_edition(framework, profile, poster_size=task.poster_size, only=task.only, previous=previous)
        artifacts = build(edition, task.out_dir, progress, force=task.force, jobs=jobs, standby=standby)
    except (InputError, BuildError) as exc:
        return EditionResult(task.slug, task.out_dir, 0, 0, tuple(str(exc).splitlines()))
    return EditionResult(task.slug, task.out_dir, len(artifacts), sum(a.size for a in artifacts))


# Loaded and checked by plan(); a forked worker inherits them (they do not pickle).
_frameworks: dict[tuple[Path, str | None, str | None], Framework] = {}
_profiles: dict[tuple[Path, Path, str | None], Profile] = {}


def _loaded_framework(
    data_dir: Path, version: str | None, framework_id: str | None = None, reads: Reads | None = None
) -> Framework:
    key = (data_dir, version, framework_id or DEFAULT_FRAMEWORK)
    if key not in _frameworks:
        _frameworks[key] = load_framework(data_dir, version, framework_id, reads)
    return _frameworks[key]


def _loaded_previous(data_dir: Path, framework: Framework, reads: Reads | None = None) -> Framework | None:
    """Return the version published before `framework`'s, loaded once (None for the first version)."""
    before = previous_version(framework.info.version, data_dir, framework.info.id)
    return _loaded_framework(data_dir, before, framework.info.id, reads) if before else None


def loaded_framework(task: EditionTask) -> Framework:
    """Return the framework the task's profile tailors, as plan() loaded it."""
    return _loaded_framework(task.data_dir, task.version, task.framework)


def loaded_previous(task: EditionTask) -> Framework | None:
    """Return the version published before the task's framework, as plan() loaded it (None for the first)."""
    return _loaded_previous(task.data_dir, loaded_framework(task))


def loaded_profile(task: EditionTask) -> Profile:
    """Return the task's profile as plan() checked it."""
    framework = _loaded_framework(task.data_dir, task.version, task.framework)
    return _profiles.get((task.profile_dir, task.data_dir, task.version)) or load_profile(task.profile_dir, framework)

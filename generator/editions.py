"""Organisation editions: one build per profile, in parallel, each in its own folder and process."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from generator.org.profile import PROFILE_FILE, Profile, load_profile
from generator.org.tailor import tailor
from generator.pipeline import BuildError, build
from generator.problems import InputError, Problem
from generator.source.load import load_framework


@dataclass(frozen=True)
class EditionTask:
    profile_dir: Path
    slug: str
    data_dir: Path
    version: str | None
    out_dir: Path
    only: tuple[str, ...] | None
    poster_size: str | None


@dataclass(frozen=True)
class EditionResult:
    slug: str
    out_dir: Path
    files: int
    size: int
    errors: tuple[str, ...] = ()


def expand(paths: Sequence[Path]) -> list[Path]:
    """Return profile folders: each path itself, or each sub-folder holding an org.yaml."""
    found: list[Path] = []
    for path in paths:
        if (path / PROFILE_FILE).is_file() or not path.is_dir():
            found.append(path)
        else:
            children = sorted(p for p in path.iterdir() if (p / PROFILE_FILE).is_file())
            found.extend(children or [path])
    return found


def plan(
    paths: Sequence[Path],
    data_dir: Path,
    version: str | None,
    out_root: Path,
    only: Sequence[str] | None,
    poster_size: str | None,
) -> list[EditionTask]:
    """Check every profile and that no two share an output folder; raise InputError listing all problems."""
    framework = load_framework(data_dir, version)
    problems: list[Problem] = []
    tasks: list[EditionTask] = []
    owners: dict[str, Path] = {}
    for folder in expand(paths):
        try:
            profile = load_profile(folder, framework)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if profile.slug in owners:
            problems.append(
                Problem(
                    folder / PROFILE_FILE,
                    None,
                    "file_prefix",
                    f"output folder {profile.slug!r} is also used by {owners[profile.slug]}; give each a file_prefix",
                )
            )
            continue
        owners[profile.slug] = folder
        out_dir = out_root / profile.slug
        tasks.append(
            EditionTask(folder, profile.slug, data_dir, version, out_dir, tuple(only or ()) or None, poster_size)
        )
    if problems:
        raise InputError(problems)
    return tasks


def run(tasks: Sequence[EditionTask], jobs: int | None = None) -> list[EditionResult]:
    """Build every edition, one process per core; a failed edition does not stop the others."""
    if len(tasks) == 1:
        return [build_edition(tasks[0])]
    workers = min(len(tasks), jobs or os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(build_edition, tasks))


def build_edition(task: EditionTask) -> EditionResult:
    """Load, tailor and build one organisation's edition into its own folder."""

    def progress(line: str) -> None:
        print(f"[{task.slug}] {line.strip()}", file=sys.stderr, flush=True)

    try:
        framework = load_framework(task.data_dir, task.version)
        profile = load_profile(task.profile_dir, framework)
        artifacts = build(
            tailor(framework, profile),
            task.out_dir,
            task.only,
            branding=_branding(profile, task.poster_size),
            progress=progress,
            search_path=profile.search_path,
        )
    except (InputError, BuildError) as exc:
        return EditionResult(task.slug, task.out_dir, 0, 0, tuple(str(exc).splitlines()))
    return EditionResult(task.slug, task.out_dir, len(artifacts), sum(a.size for a in artifacts))


def _branding(profile: Profile, poster_size: str | None):
    return replace(profile.branding, poster_size=poster_size) if poster_size else profile.branding

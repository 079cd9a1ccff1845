"""Installing a build: the staging folder, the journalled move into place that is undone whole, and the manifest.

A build renders into a staging folder inside the output folder (`open_staging`), then `install`
moves its files and manifest into place. Each step is journalled before it is taken, so the
next build into the folder undoes an install killed midway (`open_staging` cleans leftovers).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from generator import __version__, freshness, locks, reader, trust
from generator.model import Framework

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
STAGING_PREFIX = ".staging-"
OWNER_FILE = ".owner"  # in a staging folder: the id of the process building into it
JOURNAL = ".journal"  # in a staging folder: the install's steps, each written before it is taken
ASIDE = ".previous"  # in a staging folder: the files an install replaced or removed


@dataclass(frozen=True)
class Artifact:
    """One file of a build as the manifest lists it: its path in the output folder, its format, size and hash."""

    path: str
    format: str
    size: int
    sha256: str


def artifact(root: Path, relative: Path, fmt: str) -> Artifact:
    """Return the manifest entry of the file `relative` under `root`, written by format `fmt`."""
    data = (root / relative).read_bytes()
    return Artifact(relative.as_posix(), fmt, len(data), hashlib.sha256(data).hexdigest())


@contextmanager
def staged(
    out_dir: Path, progress: Callable[[str], None], prefix: str = STAGING_PREFIX, what: str = "a build"
) -> Iterator[Path]:
    """Hold the output folder, so the next writer waits, and give a fresh staging folder in it, removed after.

    Everything a build or release reads from the folder (its manifest) and writes into it
    happens while it is held, so two writers never interleave.
    """
    with locks.holding(out_dir, what, progress):
        staging = open_staging(out_dir, prefix)
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def open_staging(out_dir: Path, prefix: str = STAGING_PREFIX) -> Path:
    """Check the output folder, clean what killed builds left in it, and make a fresh staging folder.

    `prefix` names the kind of folder: a release's scratch folder (`release.SCRATCH_PREFIX`) is
    opened and cleaned the same way, apart from a build's.
    """
    trust.real_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.glob(f"{prefix}*"):
        _remove_leftover(leftover)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=out_dir))
    (staging / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
    return staging


def _remove_leftover(path: Path) -> None:
    """Remove a staging folder whose build is no longer running (its owner process is gone)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    try:
        owner = int((path / OWNER_FILE).read_text(encoding="ascii"))
        os.kill(owner, 0)
    except (OSError, ValueError):  # no owner file, unreadable, or the process is gone
        _roll_back_killed_install(path, path.parent)
        shutil.rmtree(path, ignore_errors=True)
        return
    if owner == os.getpid():  # a staging folder of this very process, left by an interrupted build
        shutil.rmtree(path, ignore_errors=True)


def _roll_back_killed_install(staging: Path, out_dir: Path) -> None:
    """Undo, from its journal, the moves of an install killed midway; a finished install is kept."""
    try:
        lines = (staging / JOURNAL).read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    if not lines or lines[-1] == "done":
        return
    for line in reversed(lines):
        step, _, relative = line.partition("\t")
        try:
            if step == "placing":
                os.unlink(trust.contained(out_dir, relative))
            elif step == "aside" and os.path.lexists(staging / ASIDE / relative):
                os.replace(staging / ASIDE / relative, trust.output_file(out_dir, relative))
        except (OSError, trust.Refused):
            continue


def install(staging: Path, out_dir: Path, paths: list[str], stale: list[Artifact]) -> None:
    """Move the staged files and manifest into place as one step that is undone whole if any move fails.

    Every target is checked first (real folders, no folder where a file goes). Each file it
    replaces, and each stale file the manifest lists and that is still unchanged, is moved aside
    into the staging folder; on any failure everything moved is moved back, so the previous
    files and manifest stay exactly as they were. Each step is journalled before it is taken,
    so the next build can undo an install killed midway. Nothing outside `out_dir` is touched.
    """
    moves = [(staging / p, trust.output_file(out_dir, p), p) for p in [*paths, MANIFEST]]
    removals = [p for p in (trust.owned_file(out_dir, a.path, a.size, a.sha256) for a in stale) if p is not None]
    aside = staging / ASIDE
    undo: list[Callable[[], None]] = []
    journal = os.open(staging / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    note = lambda line: os.write(journal, f"{line}\n".encode())  # noqa: E731 (before each step it names)
    try:
        for path in removals:
            note(f"aside\t{path.relative_to(out_dir).as_posix()}")
            _move_aside(path, aside / path.relative_to(out_dir), undo)
        for source, target, relative in moves:
            parent = Path(relative).parent
            if parent != Path("."):
                _make_dirs(out_dir, parent, undo)
            if os.path.lexists(target):
                note(f"aside\t{relative}")
                _move_aside(target, aside / relative, undo)
            note(f"placing\t{relative}")
            os.rename(source, target)
            undo.append(partial(os.rename, target, source))
        note("done")
    except BaseException:
        for step in reversed(undo):
            step()
        raise
    finally:
        os.close(journal)


def _move_aside(path: Path, place: Path, undo: list[Callable[[], None]]) -> None:
    place.parent.mkdir(parents=True, exist_ok=True)
    os.rename(path, place)
    undo.append(partial(os.rename, place, path))


def _make_dirs(root: Path, relative: Path, undo: list[Callable[[], None]]) -> None:
    current = root
    for part in relative.parts:
        current = current / part
        trust.real_dir(current)
        if not current.exists():
            current.mkdir()
            undo.append(partial(os.rmdir, current))


def read_manifest(out_dir: Path) -> tuple[list[Artifact], dict[str, dict]]:
    """Return the previous manifest's well-formed entries and its formats' keys; the manifest is untrusted."""
    try:
        data = reader.load_json(trust.read_inside(out_dir, MANIFEST, MAX_MANIFEST_BYTES), MANIFEST)
        entries = [Artifact(**a) for a in data["artifacts"]]
    except (OSError, trust.Refused, ValueError, KeyError, TypeError, AttributeError):
        return [], {}
    return [a for a in entries if _well_formed(a)], freshness.recorded_keys(data)


def _well_formed(artifact: Artifact) -> bool:
    fields_ok = isinstance(artifact.path, str) and isinstance(artifact.format, str)
    fields_ok = fields_ok and isinstance(artifact.size, int) and isinstance(artifact.sha256, str)
    try:
        return fields_ok and bool(trust.relative_parts(artifact.path)) and artifact.path != MANIFEST
    except trust.Refused:
        return False


def write_manifest(
    folder: Path, framework: Framework, when: datetime, artifacts: list[Artifact], formats: dict
) -> None:
    manifest = {
        "framework": {"id": framework.info.id, "version": framework.info.version},
        "generator": {"version": __version__},
        "build_time": when.isoformat().replace("+00:00", "Z"),
        "artifacts": [a.__dict__ for a in artifacts],
        "formats": formats,
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.chmod(path, 0o644)

"""The build: render every selected format into a staging folder, then move it into place."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from generator import __version__, font_subsetter, forked, freshness, limits, reader, templating, trust
from generator.edition import Edition
from generator.model import Framework
from generator.renderers import by_name
from generator.renderers.base import RenderContext, Renderer
from generator.template_context import template_context
from generator.templating import make_environment

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
STAGING_PREFIX = ".staging-"
OWNER_FILE = ".owner"  # in a staging folder: the id of the process building into it
JOURNAL = ".journal"  # in a staging folder: the install's steps, each written before it is taken
ASIDE = ".previous"  # in a staging folder: the files an install replaced or removed
FORKED_FORMAT = "pdf"  # the slowest format (WeasyPrint), rendered in a child when the build may use two processes
FORKED_LABEL = f"{FORKED_FORMAT}: its process"  # how the child's messages start when it dies or overruns
TEMP_FOLDER = ".tmp"  # in a staging folder: renderers' temporary files
FORK_GRACE_SECONDS = 10.0  # how much longer than the child's own time limit the parent waits for it


@dataclass(frozen=True)
class Artifact:
    path: str
    format: str
    size: int
    sha256: str


def silent(line: str) -> None:
    """Progress that goes nowhere: build()'s default."""


class BuildError(Exception):
    """A renderer failed; the output folder was left as it was."""


def build_time(framework: Framework) -> datetime:
    """Return SOURCE_DATE_EPOCH, or else the framework's release date, as the build time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError:
            raise BuildError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds; unset it or fix it"
            ) from None
    return datetime.fromisoformat(framework.info.release_date).replace(tzinfo=UTC)


def select(only: Sequence[str] | None) -> list[Renderer]:
    """Return the renderers to run, in registry order."""
    registry = by_name()
    if not only:
        return list(registry.values())
    unknown = [name for name in only if name not in registry]
    if unknown:
        raise BuildError(f"unknown format {', '.join(unknown)}; expected one of {', '.join(registry)}")
    return [r for name, r in registry.items() if name in only]


def render_context(edition: Edition) -> RenderContext:
    """Return what every renderer of this edition receives."""
    framework, branding = edition.framework, edition.branding
    return RenderContext(
        framework=framework,
        build_time=build_time(framework),
        env=make_environment(edition.search_path),
        context=template_context(framework, branding),
        branding=branding,
        search_path=edition.search_path,
        changes=edition.changes,
    )


@contextmanager
def poster_standby(only: Sequence[str] | None, jobs: int) -> Iterator[forked.Standby | None]:
    """Fork the poster's process ahead of loading when the build will use it; yield it, or None.

    The child imports WeasyPrint while this process loads the framework, then waits for
    `build(..., standby=...)` to send it the poster. Leaving the block stops it in any case.
    """
    standby = None
    if jobs > 1 and forked.available() and (not only or FORKED_FORMAT in only):
        from generator.renderers.poster.weasyprint_import import import_weasyprint

        with suppress(OSError):  # no process to spare: the build forks later, or renders the poster itself
            standby = forked.Standby(import_weasyprint, FORKED_LABEL)
    try:
        yield standby
    finally:
        if standby is not None:
            standby.stop()


def build(
    edition: Edition,
    out_dir: Path,
    progress: Callable[[str], None] = silent,
    force: bool = False,
    jobs: int = 1,
    standby: forked.Standby | None = None,
) -> list[Artifact]:
    """Render the edition's formats; replace their outputs in `out_dir` only if all succeed.

    A format whose inputs and files are unchanged since the last build into `out_dir` is
    skipped ("up to date", see `freshness`) unless `force`. `progress` receives one line per
    format, in registry order (the command line prints them to stderr). With `jobs` > 1 the
    poster renders in a second process while this one renders the other formats (see
    `_render`): in `standby` (from `poster_standby`) if given, else in a child forked now.
    Returns the artifacts rendered.
    """
    renderers = select(edition.only)
    ctx = render_context(edition)
    framework = edition.framework
    try:
        staging = open_staging(out_dir)
    except (trust.Refused, OSError) as exc:
        raise BuildError(_output_problem(out_dir, exc)) from None
    try:
        previous, recorded = _read_manifest(out_dir)
        keys = freshness.format_keys([r.name for r in renderers], _freshness_inputs(edition, ctx, out_dir))
        fresh = set() if force else freshness.up_to_date(out_dir, keys, recorded, previous)
        with _temp_files_in(staging / TEMP_FOLDER):
            produced, subsetter = _render(renderers, fresh, edition, ctx, staging, jobs, standby, progress)
        font_subsetter.warn_on_fallback(produced, progress, subsetter)
        artifacts = [_artifact(staging, path, name) for name, paths in produced.items() for path in paths]
        kept = [a for a in previous if a.format not in produced]
        all_artifacts = sorted(kept + artifacts, key=lambda a: a.path)
        current = {n: keys[n] for n in [*produced, *fresh]}
        formats = freshness.manifest_entries(all_artifacts, recorded, current, subsetter)
        _write_manifest(staging, framework, ctx.build_time, all_artifacts, formats)
        stale = [a for a in previous if a.format in produced and a.path not in {n.path for n in artifacts}]
        try:
            _install(staging, out_dir, [a.path for a in artifacts], stale)
        except (trust.Refused, OSError) as exc:
            raise BuildError(f"installing into {out_dir}: {_output_problem(out_dir, exc)}") from None
        return artifacts
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _render(
    renderers: list[Renderer],
    fresh: set[str],
    edition: Edition,
    ctx: RenderContext,
    staging: Path,
    jobs: int,
    standby: forked.Standby | None,
    progress: Callable[[str], None],
) -> tuple[dict[str, list[Path]], str | None]:
    """Render the formats not `fresh` into `staging`; return their files and the poster's font subsetter.

    With `jobs` > 1 and fork available, the poster renders in another process, into the same
    staging folder and under its own time limit, while this process renders the others: in
    `standby` if given (it is sent the edition), else in a child forked now when there is
    another format to render (`forked.Forked`). Either way the outcome is the sequential one's:
    the files by format in registry order, progress lines in registry order (each once the
    formats before it are done), and on failure the error of the first failing format in
    registry order. The child is reaped before this returns or raises (killed first if it is
    still running), so it never writes into a staging folder that is being removed.
    """
    lines = _InOrder([r.name for r in renderers], progress)
    for name in fresh:
        lines.put(name, f"  {name:<10} up to date")
    todo = [r for r in renderers if r.name not in fresh]
    parallel = jobs > 1 and forked.available() and (standby is not None or len(todo) > 1)
    away = next((r for r in todo if r.name == FORKED_FORMAT), None) if parallel else None
    position = {r.name: i for i, r in enumerate(renderers)}
    results: dict[str, tuple[list[Path], float]] = {}
    subsetter = None
    child = None
    timeout = limits.FORMAT_SECONDS + FORK_GRACE_SECONDS
    if away is not None:
        try:
            if standby is not None:
                child = standby.start(partial(_render_in_standby, away.name, edition, staging), timeout)
            else:
                child = forked.Forked(partial(_render_for_parent, away, ctx, staging), timeout, FORKED_LABEL)
        except OSError:  # the system refused another process: render the poster here, in turn
            away = None
    try:
        for renderer in todo:
            if renderer is away:
                continue
            try:
                results[renderer.name] = _render_one(renderer, ctx, staging)
            except BuildError:
                if child is not None and position[FORKED_FORMAT] < position[renderer.name]:
                    results[FORKED_FORMAT], subsetter = _collect(child)  # its error, if any, comes first
                    lines.put(FORKED_FORMAT, _line(FORKED_FORMAT, *results[FORKED_FORMAT]))
                raise
            lines.put(renderer.name, _line(renderer.name, *results[renderer.name]))
        if child is not None:
            results[FORKED_FORMAT], subsetter = _collect(child)
            lines.put(FORKED_FORMAT, _line(FORKED_FORMAT, *results[FORKED_FORMAT]))
    finally:
        if child is not None:
            child.stop()
    produced = {r.name: results[r.name][0] for r in todo}
    return produced, subsetter if subsetter is not None else font_subsetter.used()


def _render_one(renderer: Renderer, ctx: RenderContext, staging: Path) -> tuple[list[Path], float]:
    """Render one format under its time limit; return its files and seconds, or raise BuildError naming it."""
    started = time.perf_counter()
    try:
        with limits.time_limit(limits.FORMAT_SECONDS, f"the {renderer.name} format"):
            paths = renderer.render(ctx, staging)
    except Exception as exc:
        raise BuildError(f"{renderer.name}: {exc}") from exc
    return paths, time.perf_counter() - started


def _render_for_parent(renderer: Renderer, ctx: RenderContext, staging: Path) -> dict:
    """In the forked child: render one format and return what the parent needs, as JSON-ready data."""
    paths, seconds = _render_one(renderer, ctx, staging)
    return {"paths": [p.as_posix() for p in paths], "seconds": seconds, "subsetter": font_subsetter.used()}


def _render_in_standby(name: str, edition: Edition, staging: Path) -> dict:
    """In a standby child, forked before the edition was loaded: render one format of the edition sent to it."""
    tempfile.tempdir = str(staging / TEMP_FOLDER)  # as `_temp_files_in` does in the build process
    return _render_for_parent(by_name()[name], render_context(edition), staging)


def _collect(child: forked.Forked) -> tuple[tuple[list[Path], float], str | None]:
    """Wait for the child's format; return its files and seconds, and its font subsetter."""
    try:
        value = child.result()
    except forked.ChildFailed as exc:
        raise BuildError(str(exc)) from None
    return ([Path(p) for p in value["paths"]], value["seconds"]), value["subsetter"]


def _line(name: str, paths: list[Path], seconds: float) -> str:
    count = len(paths)
    return f"  {name:<10} {count:>3} file{'s' if count != 1 else ''}  {seconds:6.2f} s"


class _InOrder:
    """Pass progress lines on in the order of `names`, each as soon as every name before it has had its line."""

    def __init__(self, names: list[str], progress: Callable[[str], None]) -> None:
        self._waiting, self._lines, self._progress = list(names), dict[str, str](), progress

    def put(self, name: str, line: str) -> None:
        self._lines[name] = line
        while self._waiting and self._waiting[0] in self._lines:
            self._progress(self._lines.pop(self._waiting.pop(0)))


def _artifact(root: Path, relative: Path, fmt: str) -> Artifact:
    data = (root / relative).read_bytes()
    return Artifact(relative.as_posix(), fmt, len(data), hashlib.sha256(data).hexdigest())


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


@contextmanager
def _temp_files_in(folder: Path) -> Iterator[None]:
    """Let renderers' temporary files (WeasyPrint's fonts, the preview) live in the staging folder."""
    folder.mkdir()
    previous, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _output_problem(out_dir: Path, exc: BaseException) -> str:
    if isinstance(exc, trust.Refused):
        return str(exc)
    if isinstance(exc, OSError):
        where = exc.filename or out_dir
        return f"cannot write {where}: {exc.strerror or exc}; check the folder and its permissions"
    return str(exc)


def _install(staging: Path, out_dir: Path, paths: list[str], stale: list[Artifact]) -> None:
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


def _read_manifest(out_dir: Path) -> tuple[list[Artifact], dict[str, dict]]:
    """Return the previous manifest's well-formed entries and its formats' keys; the manifest is untrusted."""
    try:
        data = reader.load_json(trust.read_inside(out_dir, MANIFEST, MAX_MANIFEST_BYTES), MANIFEST)
        entries = [Artifact(**a) for a in data["artifacts"]]
    except (OSError, trust.Refused, ValueError, KeyError, TypeError, AttributeError):
        return [], {}
    return [a for a in entries if _well_formed(a)], freshness.recorded_keys(data)


def _freshness_inputs(edition: Edition, ctx: RenderContext, out_dir: Path) -> freshness.Inputs:
    search_path = edition.search_path
    return freshness.Inputs(
        edition.framework,
        edition.branding,
        ctx.build_time,
        templating.TEMPLATES_DIR,
        search_path.overrides,
        search_path.assets,
        out_dir,
        edition.changes,
    )


def _well_formed(artifact: Artifact) -> bool:
    fields_ok = isinstance(artifact.path, str) and isinstance(artifact.format, str)
    fields_ok = fields_ok and isinstance(artifact.size, int) and isinstance(artifact.sha256, str)
    try:
        return fields_ok and bool(trust.relative_parts(artifact.path)) and artifact.path != MANIFEST
    except trust.Refused:
        return False


def _write_manifest(
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

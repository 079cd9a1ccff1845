"""The build: render every selected format into a staging folder, then move it into place."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import NoReturn, TypeVar

from generator import dates, font_subsetter, forked, freshness, limits, templating, trust
from generator.edition import Edition
from generator.install import MANIFEST as MANIFEST  # the commands' and verify's name for it
from generator.install import Artifact, artifact, install, read_manifest, staged, write_manifest
from generator.model import Framework
from generator.naming import Naming
from generator.org.branding import Branding
from generator.renderers import by_name, file_names, format_traits
from generator.renderers.base import RenderContext, Renderer
from generator.renderers.traits import traits_of
from generator.template_context import template_context
from generator.templating import make_environment

T = TypeVar("T")
TEMP_FOLDER = ".tmp"  # in a staging folder: renderers' temporary files
FORK_GRACE_SECONDS = 10.0  # how much longer than the child's own time limit the parent waits for it


def silent(line: str) -> None:
    """Progress that goes nowhere: build()'s default."""


def _nothing() -> None:
    """Nothing to prepare."""


class BuildError(Exception):
    """A renderer failed; the output folder was left as it was."""


def build_time(framework: Framework, branding: Branding | None = None) -> datetime:
    """Return the build time: SOURCE_DATE_EPOCH when set; else for the reference edition the framework's
    release date, for an organisation's the start of its issue date, or of today (UTC) when it gives none."""
    try:
        epoch = dates.source_date_epoch()
    except ValueError as exc:
        raise BuildError(str(exc)) from None
    if epoch:
        return epoch
    if branding is not None and branding.organisation is not None:
        return dates.midnight(branding.document_control.issue_date or dates.build_day())
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


def render_context(edition: Edition, naming: Naming | None = None) -> RenderContext:
    """Return what every renderer of this edition receives; `naming`: where its files go (None: a build folder).

    Templates see every declared file's name by stem as `files` (`files["responsibilities.csv"]`).
    """
    framework, branding = edition.framework, edition.branding
    naming = naming or Naming(branding.file_prefix)
    return RenderContext(
        framework=framework,
        build_time=(when := build_time(framework, branding)),
        env=make_environment(edition.search_path),
        context={**template_context(framework, branding, when), "files": file_names(naming)},
        branding=branding,
        search_path=edition.search_path,
        changes=edition.changes,
        naming=naming,
    )


def own_process(renderers: Sequence[Renderer]) -> Renderer | None:
    """Return the format that renders in a process of its own when the build may use two (the first that says so)."""
    return next((r for r in renderers if traits_of(r).own_process), None)


def _process_label(name: str) -> str:
    """How the second process's messages start when it dies or overruns."""
    return f"{name}: its process"


@contextmanager
def poster_standby(only: Sequence[str] | None, jobs: int) -> Iterator[forked.Standby | None]:
    """Fork the process of the format that renders in its own (`own_process`) ahead of loading; yield it, or None.

    The child runs the format's `preload` (the poster: imports WeasyPrint) while this process
    loads the framework, then waits for `build(..., standby=...)` to send it the format.
    Leaving the block stops it in any case.
    """
    standby = None
    away = own_process([r for name, r in by_name().items() if not only or name in only])
    if jobs > 1 and forked.available() and away is not None:
        with suppress(OSError):  # no process to spare: the build forks later, or renders the format itself
            standby = forked.Standby(traits_of(away).preload or _nothing, _process_label(away.name))
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
    naming: Naming | None = None,
) -> list[Artifact]:
    """Render the edition's formats; replace their outputs in `out_dir` only if all succeed.

    A format whose inputs and files are unchanged since the last build into `out_dir` is
    skipped ("up to date", see `freshness`) unless `force`. `progress` receives one line per
    format, in registry order (the command line prints them to stderr). With `jobs` > 1 the
    format that renders in its own process (the poster) does so while this one renders the
    others (see `_render`): in `standby` (from `poster_standby`) if given, else in a child
    forked now. `naming` says how files are named (a release's names; None: a build folder's).
    Returns the artifacts rendered.
    """
    renderers = select(edition.only)
    ctx = render_context(edition, naming)
    framework = edition.framework
    with ExitStack() as held:
        try:
            staging = held.enter_context(staged(out_dir, progress))
        except (trust.Refused, OSError) as exc:
            raise BuildError(_output_problem(out_dir, exc)) from None
        previous, recorded = read_manifest(out_dir)
        keys = freshness.format_keys([r.name for r in renderers], _freshness_inputs(edition, ctx, out_dir))
        fresh = set() if force else freshness.up_to_date(out_dir, keys, recorded, previous)
        with _temp_files_in(staging / TEMP_FOLDER):
            produced, subsetter = _render(renderers, fresh, edition, ctx, staging, jobs, standby, progress)
        subsetting = any(format_traits(name).subsets_fonts for name in produced)
        font_subsetter.warn_on_fallback(subsetting, progress, subsetter)
        artifacts = [artifact(staging, path, name) for name, paths in produced.items() for path in paths]
        kept = [a for a in previous if a.format not in produced]
        all_artifacts = sorted(kept + artifacts, key=lambda a: a.path)
        current = {n: keys[n] for n in [*produced, *fresh]}
        formats = freshness.manifest_entries(all_artifacts, recorded, current, subsetter)
        write_manifest(staging, framework, ctx.build_time, all_artifacts, formats)
        stale = [a for a in previous if a.format in produced and a.path not in {n.path for n in artifacts}]
        try:
            install(staging, out_dir, [a.path for a in artifacts], stale)
        except (trust.Refused, OSError) as exc:
            raise BuildError(f"installing into {out_dir}: {_output_problem(out_dir, exc)}") from None
        return artifacts


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
    """Render the formats not `fresh` into `staging`; return their files and the font subsetter used.

    With `jobs` > 1 and fork available, the format that renders in its own process (`own_process`:
    the poster) does so in another process, into the same
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
    away = own_process(todo) if parallel else None
    away_name = away.name if away is not None else ""
    position = {r.name: i for i, r in enumerate(renderers)}
    results: dict[str, tuple[list[Path], float]] = {}
    subsetter = None
    child = None
    timeout = limits.FORMAT_SECONDS + FORK_GRACE_SECONDS
    if away is not None:
        try:
            if standby is not None:
                child = standby.start(_standby_job(away, edition, ctx, staging), timeout)
            else:
                label = _process_label(away_name)
                child = forked.Forked(partial(_render_for_parent, away, ctx, staging), timeout, label)
        except OSError:  # the system refused another process: render the format here, in turn
            away = None
    try:
        for renderer in todo:
            if renderer is away:
                continue
            try:
                results[renderer.name] = _render_one(renderer, ctx, staging)
            except BuildError:
                if child is not None and position[away_name] < position[renderer.name]:
                    results[away_name], subsetter = _collect(child)  # its error, if any, comes first
                    lines.put(away_name, _line(away_name, *results[away_name]))
                raise
            lines.put(renderer.name, _line(renderer.name, *results[renderer.name]))
        if child is not None:
            results[away_name], subsetter = _collect(child)
            lines.put(away_name, _line(away_name, *results[away_name]))
    finally:
        if child is not None:
            child.stop()
    produced = {r.name: results[r.name][0] for r in todo}
    return produced, subsetter if subsetter is not None else font_subsetter.used()


def _render_one(renderer: Renderer, ctx: RenderContext, staging: Path) -> tuple[list[Path], float]:
    """Render one format under its time limit; return its files and seconds, or raise BuildError naming it."""
    return _timed(renderer.name, partial(renderer.render, ctx, staging))


def _timed(name: str, work: Callable[[], T], earlier: float = 0.0) -> tuple[T, float]:
    """Run format `name`'s `work` under its time limit; return its result and seconds (plus `earlier` seconds)."""
    started = time.perf_counter()
    try:
        with limits.time_limit(limits.FORMAT_SECONDS, f"the {name} format"):
            paths = work()
    except Exception as exc:
        raise BuildError(f"{name}: {exc}") from exc
    return paths, earlier + time.perf_counter() - started


def _render_for_parent(renderer: Renderer, ctx: RenderContext, staging: Path) -> dict:
    """In the forked child: render one format and return what the parent needs, as JSON-ready data."""
    return _report(*_render_one(renderer, ctx, staging))


def _report(paths: list[Path], seconds: float) -> dict:
    """What the parent needs of a format rendered in a child, as JSON-ready data."""
    return {"paths": [p.as_posix() for p in paths], "seconds": seconds, "subsetter": font_subsetter.used()}


def _standby_job(renderer: Renderer, edition: Edition, ctx: RenderContext, staging: Path) -> Callable[[], dict]:
    """Return the job for a standby child: the rest of the format after its `prepare` here, else the whole format.

    A `prepare` that fails makes a job that fails with its error, so the error comes in registry order as ever.
    """
    prepare = traits_of(renderer).prepare
    if prepare is None:
        return partial(_render_in_standby, renderer.name, edition, ctx.naming, staging)
    try:
        job, seconds = _timed(renderer.name, partial(prepare, ctx))
    except BuildError as exc:
        return partial(_fail, str(exc))
    return partial(_finish_in_standby, renderer.name, job, staging, seconds)


def _render_in_standby(name: str, edition: Edition, naming: Naming | None, staging: Path) -> dict:
    """In a standby child, forked before the edition was loaded: render one format of the edition sent to it."""
    tempfile.tempdir = str(staging / TEMP_FOLDER)  # as `_temp_files_in` does in the build process
    return _render_for_parent(by_name()[name], render_context(edition, naming), staging)


def _finish_in_standby(name: str, job: Callable[[Path], list[Path]], staging: Path, prepared: float) -> dict:
    """In a standby child: run the job the build process prepared for format `name` (`prepared` seconds there)."""
    tempfile.tempdir = str(staging / TEMP_FOLDER)
    return _report(*_timed(name, partial(job, staging), prepared))


def _fail(message: str) -> NoReturn:
    """In a standby child: fail with the error the format's `prepare` met in the build process."""
    raise BuildError(message)


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
        ctx.naming,
    )

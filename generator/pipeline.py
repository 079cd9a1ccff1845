"""The build: render every selected format into a staging folder, then move it into place."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator import __version__, font_subsetter, freshness, templating
from generator.model import Framework
from generator.org.branding import Branding
from generator.renderers import by_name
from generator.renderers.base import RenderContext, Renderer
from generator.template_context import template_context
from generator.templating import make_environment

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Artifact:
    path: str
    format: str
    size: int
    sha256: str


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


def build(
    framework: Framework,
    out_dir: Path,
    only: Sequence[str] | None = None,
    branding: Branding | None = None,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    template_dirs: Sequence[Path] = (),
    asset_roots: Sequence[Path] = (),
    force: bool = False,
) -> list[Artifact]:
    """Render the selected formats; replace their outputs in `out_dir` only if all succeed.

    A format whose inputs and files are unchanged since the last build into `out_dir` is
    skipped ("up to date", see `freshness`) unless `force`. Returns the artifacts rendered.
    """
    renderers = select(only)
    branding = branding or Branding()
    ctx = RenderContext(
        framework=framework,
        build_time=build_time(framework),
        env=make_environment(template_dirs),
        context=template_context(framework, branding),
        branding=branding,
        template_dirs=tuple(template_dirs),
        asset_roots=tuple(asset_roots),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = freshness.Inputs(
        framework, branding, ctx.build_time, templating.TEMPLATES_DIR, ctx.template_dirs, ctx.asset_roots, out_dir
    )
    keys = freshness.format_keys([r.name for r in renderers], inputs)
    previous = _read_manifest(out_dir)
    recorded = freshness.recorded_keys(out_dir / MANIFEST)
    fresh = set() if force else freshness.up_to_date(out_dir, keys, recorded, previous)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        produced: dict[str, list[Path]] = {}
        for renderer in renderers:
            if renderer.name in fresh:
                progress(f"  {renderer.name:<10} up to date")
                continue
            started = time.perf_counter()
            try:
                produced[renderer.name] = renderer.render(ctx, staging)
            except Exception as exc:
                raise BuildError(f"{renderer.name}: {exc}") from exc
            elapsed = time.perf_counter() - started
            count = len(produced[renderer.name])
            progress(f"  {renderer.name:<10} {count:>3} file{'s' if count != 1 else ''}  {elapsed:6.2f} s")
        font_subsetter.warn_on_fallback(produced, progress)
        artifacts = [_artifact(staging, path, name) for name, paths in produced.items() for path in paths]
        kept = [a for a in previous if a.format not in produced]
        _install(staging, out_dir, artifacts, [a for a in previous if a.format in produced])
        all_artifacts = sorted(kept + artifacts, key=lambda a: a.path)
        formats = freshness.manifest_entries(all_artifacts, recorded, {n: keys[n] for n in [*produced, *fresh]})
        _write_manifest(out_dir, framework, ctx.build_time, all_artifacts, formats)
        return artifacts
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _artifact(root: Path, relative: Path, fmt: str) -> Artifact:
    data = (root / relative).read_bytes()
    return Artifact(relative.as_posix(), fmt, len(data), hashlib.sha256(data).hexdigest())


def _install(staging: Path, out_dir: Path, artifacts: list[Artifact], replaced: list[Artifact]) -> None:
    """Move staged files into place (each move atomic) and drop outputs the rebuilt formats no longer make."""
    new_paths = {a.path for a in artifacts}
    for artifact in artifacts:
        target = out_dir / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / artifact.path, target)
    for old in replaced:
        stale = freshness.inside(out_dir, old.path)  # the manifest is untrusted: never unlink outside out_dir
        if old.path not in new_paths and stale is not None:
            stale.unlink(missing_ok=True)


def _read_manifest(out_dir: Path) -> list[Artifact]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return [Artifact(**a) for a in data["artifacts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _write_manifest(
    out_dir: Path, framework: Framework, when: datetime, artifacts: list[Artifact], formats: dict
) -> None:
    manifest = {
        "framework": {"id": framework.info.id, "version": framework.info.version},
        "generator": {"version": __version__},
        "build_time": when.isoformat().replace("+00:00", "Z"),
        "artifacts": [a.__dict__ for a in artifacts],
        "formats": formats,
    }
    text = json.dumps(manifest, indent=2) + "\n"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=out_dir, delete=False, suffix=".tmp") as tmp:
        tmp.write(text)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, out_dir / MANIFEST)

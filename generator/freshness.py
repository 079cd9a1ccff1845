"""Up-to-date checks: skip a format whose inputs and outputs are unchanged since the last build.

Each format's key is a SHA-256 over everything its output depends on: the model it renders
(the framework's data, tailored for an edition), the branding (the profile's settings), the
build time, the files it may read (its default templates, the organisation's overrides and
assets), the generator's own source files and version, and the versions of Python and of the
libraries that write the bytes. A format is up to date when its key equals the one recorded in
the output folder's manifest and every file the manifest lists for it is on disk with the
recorded size and SHA-256. What a format reads and which libraries write its bytes come from
its traits (`generator.renderers.traits`). When in doubt a format depends on an input: a format
that does not name its template folders depends on every template, and every format depends on
the whole model and on every format's libraries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import generator
from generator import font_subsetter, reader, renderers, trust
from generator.renderers.traits import traits_of
from generator.search_path import MAX_TEMPLATE_BYTES
from generator.template_context import plain

# Distributions whose versions change the bytes of every format (templates, the data, logos);
# each format's own are its traits' `libraries`.
LIBRARIES = ("Jinja2", "PyYAML", "pillow")
SOURCE_DIR = Path(generator.__file__).resolve().parent
MAX_DIGEST_BYTES = 1 << 30  # a file in a template or profile folder; what the build reads has lower caps


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What one build reads, besides the generator itself."""

    framework: Any  # generator.model.Framework
    branding: Any  # generator.org.branding.Branding
    build_time: datetime
    templates_dir: Path
    overrides: Sequence[Path] = ()  # the search path's template overrides, searched before templates_dir
    assets: Sequence[Path] = ()  # the search path's asset folders (the profile)
    exclude: Path | None = None  # the output folder, when it lies inside an asset root
    changes: Any = None  # generator.changes.Changes against the previous framework version, or None
    naming: Any = None  # generator.naming.Naming: where the files go (a release's names), or None for a build


def format_keys(formats: Iterable[str], inputs: Inputs) -> dict[str, str]:
    """Return each format's key: a SHA-256 hex digest of everything its output depends on."""
    common = hashlib.sha256()
    common.update(_toolchain(_libraries()).encode())
    roots = [inputs.templates_dir, *inputs.overrides, *inputs.assets]
    rendered = {
        "model": inputs.framework,
        "branding": inputs.branding,
        "changes": inputs.changes,
        "naming": inputs.naming,
    }
    common.update(_canonical(rendered, roots).encode())
    common.update(inputs.build_time.isoformat().encode())
    template_roots = [*inputs.overrides, inputs.templates_dir]
    assets = _tree_digest(inputs.assets, skip=(*inputs.overrides, *_maybe(inputs.exclude)))
    common.update(assets.encode())
    keys = {}
    for name in formats:
        key = common.copy()
        key.update(name.encode())
        traits = renderers.format_traits(name)
        folders = traits.templates
        reached = None if folders is None else _reached(inputs.overrides, folders)
        if folders is None or reached is None:  # every template, or an override naming one only at render time
            roots = template_roots
        else:
            roots = [r / f for r in template_roots for f in folders]
            if reached:
                key.update(_files_digest(template_roots, reached).encode())
        # Labelled by position and sub-folder, not by absolute path: keys do not depend on where the checkout is.
        key.update(_tree_digest(roots, skip=_maybe(inputs.exclude)).encode())
        if traits.subsets_fonts:
            key.update(font_subsetter.available().encode())
        keys[name] = key.hexdigest()
    return keys


def recorded_keys(manifest: Any) -> dict[str, dict]:
    """Return the parsed manifest's `formats` entries (format -> {"key": ..., ...}); {} if malformed."""
    formats = manifest.get("formats", {}) if isinstance(manifest, dict) else {}
    if not isinstance(formats, dict):
        return {}
    return {k: v for k, v in formats.items() if isinstance(v, dict) and isinstance(v.get("key"), str)}


def up_to_date(out_dir: Path, keys: Mapping[str, str], recorded: Mapping[str, dict], artifacts: Iterable) -> set:
    """Return the formats whose recorded key equals `keys` and whose listed files are intact on disk.

    `artifacts` are the manifest's entries (path, format, size, sha256). The manifest and the
    folder are untrusted: a path that is not a plain relative path to a regular file inside
    `out_dir`, or a format with no files listed, makes the format stale.
    """
    listed: dict[str, list] = {}
    for artifact in artifacts:
        listed.setdefault(artifact.format, []).append(artifact)
    return {
        name
        for name, key in keys.items()
        if recorded.get(name, {}).get("key") == key
        and listed.get(name)
        and all(_intact(out_dir, a.path, a.size, a.sha256) for a in listed[name])
    }


def manifest_entries(
    artifacts: Iterable, recorded: Mapping[str, dict], current: Mapping[str, str], subsetter: str | None = None
) -> dict:
    """Return the manifest's `formats`: the key of every format with files, and the poster's subsetter.

    `subsetter` is the one the poster was rendered with (the build's child process reports it);
    without it, the one loaded in this process.
    """
    entries = {}
    for name in sorted({a.format for a in artifacts}):
        if name in current:
            entry = {"key": current[name]}
            previous = recorded.get(name, {})
            if renderers.format_traits(name).subsets_fonts:
                used = subsetter or font_subsetter.used() or previous.get("font_subsetter")
                if used:
                    entry["font_subsetter"] = used
            entries[name] = entry
        elif name in recorded:
            entries[name] = dict(recorded[name])
    return entries


def inside(out_dir: Path, relative: str) -> Path | None:
    """Return `out_dir/relative` if `relative` is a plain relative path with no symlink on the way, else None."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or any(p in ("", ".", "..") for p in parts):
        return None
    path = out_dir.joinpath(*parts)
    if any(folder.is_symlink() for folder in path.parents[: len(parts) - 1]):
        return None
    return path


def _intact(out_dir: Path, relative: str, size: int, sha256: str) -> bool:
    path = inside(out_dir, relative)
    try:
        return path is not None and reader.file_sha256(path, size, trusted=True) == sha256
    except (OSError, trust.Refused):  # missing, a symlink or special file, or larger than recorded
        return False


def _libraries() -> tuple[str, ...]:
    """Every distribution whose version changes some registered format's bytes, sorted."""
    declared = (name for renderer in renderers.by_name().values() for name in traits_of(renderer).libraries)
    return tuple(sorted({*LIBRARIES, *declared}))


@cache
def _toolchain(libraries: tuple[str, ...]) -> str:
    """The generator's version and source files, Python's version and the `libraries`' versions."""
    import platform  # with importlib.metadata, imported by the build process only, after the poster's forks
    from importlib import metadata

    digest = hashlib.sha256(f"{generator.__version__} {platform.python_version()}".encode())
    for name in libraries:
        try:
            digest.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none;".encode())
    digest.update(_tree_digest([SOURCE_DIR], suffix=".py").encode())
    return digest.hexdigest()


def _tree_digest(roots: Iterable[Path], skip: Sequence[Path] = (), suffix: str = "") -> str:
    """Hash every file under `roots` (path and content; a symlink by its target, never followed)."""
    skipped = {s.resolve() for s in skip}
    digest = hashlib.sha256()
    for index, root in enumerate(roots):
        digest.update(f"root {index}\n".encode())
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skipped or (here / d).is_symlink())
            for name in sorted(files):
                path = here / name
                if not name.endswith(suffix):
                    continue
                relative = path.relative_to(root).as_posix()
                if path.is_symlink():
                    digest.update(f"link {relative} -> {os.readlink(path)}\n".encode())
                else:
                    digest.update(f"file {relative} {_file_digest(path)}\n".encode())
            for link in (here / d for d in dirs if (here / d).is_symlink()):
                digest.update(f"link {link.relative_to(root).as_posix()} -> {os.readlink(link)}\n".encode())
    return digest.hexdigest()


def _reached(overrides: Sequence[Path], folders: Sequence[str]) -> list[str] | None:
    """Return the templates outside `folders` that the overrides in them include, import or extend, transitively.

    An organisation's override may reach any template on the search path (its own, or a default in
    another format's folder), so a format's key covers those too. None when a reference is computed
    at render time (the key then covers every template). An override that does not parse is skipped:
    the build reports it.
    """
    from jinja2 import Environment, TemplateSyntaxError, meta

    parser, names, pending = Environment(), set(), []
    for root in overrides:
        for folder in folders:
            pending += sorted((root / folder).rglob("*.j2")) if (root / folder).is_dir() else []
    while pending:
        path = pending.pop()
        try:
            source = trust.read_file(path, MAX_TEMPLATE_BYTES).decode("utf-8")
            referenced = list(meta.find_referenced_templates(parser.parse(source)))
        except (TemplateSyntaxError, trust.Refused, OSError, UnicodeDecodeError):
            continue
        for name in referenced:
            if name is None:
                return None
            if name in names or any(name.startswith(f"{f}/") for f in folders):
                continue
            names.add(name)
            pending += [root / name for root in overrides if (root / name).is_file()]
    return sorted(names)


def _files_digest(roots: Sequence[Path], names: Sequence[str]) -> str:
    """Hash the named templates wherever they are on the search path (by position and name)."""
    digest = hashlib.sha256()
    for index, root in enumerate(roots):
        for name in names:
            path = root / name
            if path.is_file() and not path.is_symlink():
                digest.update(f"{index} {name} {_file_digest(path)}\n".encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """The SHA-256 of one file under a digested folder, read through the trust boundary (a FIFO is refused)."""
    return reader.file_sha256(path, MAX_DIGEST_BYTES, trusted=True)


def _canonical(value: Any, roots: Sequence[Path] = ()) -> str:
    """Serialise records, mappings, paths and bytes to one stable JSON text.

    A path inside one of `roots` is written relative to it, so the text does not depend on
    where the checkout or the profile folder is.
    """
    resolved = [r.resolve() for r in roots]

    def default(item: Any) -> Any:
        if isinstance(item, bytes):
            return {"sha256": hashlib.sha256(item).hexdigest()}
        if isinstance(item, Path):
            path = item.resolve()
            inside = [f"{i}/{path.relative_to(r).as_posix()}" for i, r in enumerate(resolved) if path.is_relative_to(r)]
            return inside[0] if inside else str(item)
        if isinstance(item, datetime):
            return str(item)
        if isinstance(item, (set, frozenset)):
            return sorted(map(repr, item))
        return repr(item)

    return json.dumps(plain(value), sort_keys=True, default=default, ensure_ascii=False)


def _maybe(path: Path | None) -> tuple[Path, ...]:
    return (path,) if path is not None else ()

"""Release bundles: every artifact under versioned names, the changelog, a README and checksums, in one zip.

The edition is rendered with the release's names (`naming.Naming` with the version), so what one
file says about another names it as it is in the zip. The README describes every top-level file
and folder from the formats' traits: what it is and for whom.

Inside the zip, `SHA256SUMS` covers every other file (so `sha256sum -c SHA256SUMS` works without
this tool) and `manifest.json` lists the same files with their sizes and hashes. Next to the zip
go its checksum file and the headline files on their own, so a person can take one file.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator import __version__, trust
from generator.changes import Changes, to_markdown
from generator.edition import Edition
from generator.install import MANIFEST, staged
from generator.model import Framework
from generator.naming import Naming
from generator.ooxml import zip_entry
from generator.org.branding import Branding
from generator.pipeline import build, build_time, silent
from generator.renderers import by_name, declared_outputs
from generator.template_context import edition_marking
from generator.templating import md_text

CHANGES = "CHANGES.md"
SCRATCH_PREFIX = ".release-"  # in the output folder while a release is made
CHECKSUMS = "SHA256SUMS"
README = "README.md"
RELEASE = "release"  # the format of the files the release itself writes, in its manifest


@dataclass(frozen=True)
class Release:
    bundle: Path  # the zip
    checksums: Path  # SHA256SUMS of the zip and the headline files beside it
    headline: tuple[Path, ...]  # the headline files beside the zip


def release_version(framework: Framework, branding: Branding) -> str:
    """Return the version a release's names carry: the framework's, and an organisation's document version.

    `1.1.0` for the reference release; `1.1.0-v1.2` for version 1.2 of an organisation's policy on framework
    1.1.0, so releasing 1.2 after 1.1 writes new files beside the old ones.
    """
    if branding.organisation is None:
        return framework.info.version
    return f"{framework.info.version}-v{branding.document_control.version}"


def make_release(
    edition: Edition,
    out_dir: Path,
    progress: Callable[[str], None] = silent,
    jobs: int = 1,
) -> Release:
    """Build the edition, add changelog, README, manifest and SHA256SUMS, zip it; put the headline files beside it.

    `jobs` > 1 renders the poster in a second process, as `pipeline.build` does.
    """
    framework, branding, changes = edition.framework, edition.branding, edition.changes
    naming = Naming(branding.file_prefix, release_version(framework, branding))
    name = naming.bundle
    when = build_time(framework, branding)
    # The scratch folder is inside out_dir, held like a build's staging; an interrupted release's is cleaned here.
    with staged(out_dir, progress, SCRATCH_PREFIX, "a release") as scratch:
        built, root = scratch / "build", scratch / name
        artifacts = build(edition, built, progress, jobs=jobs, naming=naming)  # rendered with the release's names
        files: dict[str, str] = {}  # release path -> format
        for artifact in artifacts:
            (root / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built / artifact.path, root / artifact.path)
            files[artifact.path] = artifact.format
        if changes is not None:
            (root / CHANGES).write_text(to_markdown(changes, framework), encoding="utf-8")
            files[CHANGES] = RELEASE
        files[README] = RELEASE
        readme = bundle_readme(framework, files, changes, naming, edition_marking(framework, branding)["label"])
        (root / README).write_text(readme, encoding="utf-8")
        _write_manifest(root, framework, when, files)
        _write_checksums(root, sorted([*files, MANIFEST]))
        beside = {f"{name}.zip": _zip(root, when), **_headline(root, sorted(files), naming)}
        listed = "".join(f"{_sha256(data)}  {file_name}\n" for file_name, data in beside.items())
        # The set as a whole: every file is written beside its place first, then all are renamed into place.
        written = trust.write_outputs(out_dir, {**beside, f"{name}.{CHECKSUMS}": listed.encode("utf-8")})
    return Release(written[0], written[-1], tuple(written[1:-1]))


def bundle_readme(
    framework: Framework, files: Mapping[str, str], changes: Changes | None, naming: Naming, edition: str = ""
) -> str:
    """Return the bundle's README: what each file is and for whom, where the framework comes from, how to verify.

    `files` maps each file in the bundle (but the manifest and SHA256SUMS) to the format that wrote it.
    """
    info, name = framework.info, naming.bundle
    lines = [
        f"# {info.title} v{info.version}: release bundle",
        "",
        *([f"{md_text(edition)}.", ""] if edition else []),
        f"Framework version {info.version} ({info.release_date}), rendered by ai-srm-generator {__version__}.",
        "",
        "## Files",
        "",
        "| file | what it is and for whom |",
        "|---|---|",
    ]
    own = {README: "this file: what each file is and for whom, where the framework comes from, how to verify; for all"}
    if changes is not None:
        own[CHANGES] = f"what changed from framework v{changes.old_version}: the release notes"
    lines += [f"| `{entry}` | {about} |" for entry, about in _described(files, naming, own).items()]
    lines += [
        f"| `{MANIFEST}` | every file with its size and SHA-256, the framework and generator versions; for tools |",
        f"| `{CHECKSUMS}` | the SHA-256 of every other file, for `sha256sum -c` |",
        "",
        "## Source and licence",
        "",
        f"The {info.title} is by {info.author}: <{info.source_url}>, {info.licence} licence, {info.copyright}. "
        "This bundle renders it; the framework's facts are copied from upstream, the descriptions are the "
        "generator project's own words.",
        "",
        "## Verify",
        "",
        "In the unpacked folder, with no other tool:",
        "",
        "```sh",
        f"cd {name} && sha256sum -c {CHECKSUMS}",
        "```",
        "",
        "With the generator, on the zip or the folder (also reports files added or missing):",
        "",
        "```sh",
        f"python -m generator verify {name}.zip",
        "```",
        "",
        "A release is reproducible: from the same commit of the generator, "
        f"`python -m generator release --out dist{' --org <the profile folder>' if edition else ''}` gives a "
        f"byte-identical `{name}.zip`; compare "
        f"`sha256sum dist/{name}.zip` with the published `{name}.{CHECKSUMS}`.",
    ]
    return "\n".join(lines) + "\n"


def _described(files: Mapping[str, str], naming: Naming, own: Mapping[str, str]) -> dict[str, str]:
    """Return each top-level file and folder of the bundle with what it is and for whom, the formats' first.

    A file or folder a format declares (`Traits.outputs`) is described by its declaration; any
    other by its format's description; the release's own files by `own`.
    """
    declared = {naming.file(output): output for output in declared_outputs()}
    formats = by_name()
    entries: dict[str, str] = {}
    for path, fmt in sorted(files.items(), key=lambda item: (item[1] == RELEASE, item[0])):
        top = path.split("/", 1)[0] + "/" if "/" in path else path
        if top in entries:
            continue
        if top in declared:
            output = declared[top]
            entries[top] = f"{output.about}; for {output.audience}" if output.audience else output.about
        elif fmt in formats:
            entries[top] = formats[fmt].description
        else:
            entries[top] = own[top]
    return entries


def _write_manifest(root: Path, framework: Framework, when: datetime, files: dict[str, str]) -> None:
    entries = []
    for path in sorted(files):
        data = (root / path).read_bytes()
        entries.append({"path": path, "format": files[path], "size": len(data), "sha256": _sha256(data)})
    manifest = {
        "framework": {"id": framework.info.id, "version": framework.info.version},
        "generator": {"version": __version__},
        "build_time": when.isoformat().replace("+00:00", "Z"),
        "artifacts": entries,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _write_checksums(root: Path, paths: list[str]) -> None:
    text = "".join(f"{_sha256((root / path).read_bytes())}  {path}\n" for path in paths)
    (root / CHECKSUMS).write_text(text, encoding="utf-8")


def _headline(root: Path, paths: list[str], naming: Naming) -> dict[str, bytes]:
    """Return the files that also stand beside the zip (their outputs say `beside`), by name."""
    beside = {naming.file(output) for output in declared_outputs() if output.beside}
    return {p: (root / p).read_bytes() for p in paths if "/" not in p and p in beside}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _zip(root: Path, when: datetime) -> bytes:
    """Zip a folder under its own name, entries sorted and stamped alike, so equal inputs give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            entry = zip_entry(f"{root.name}/{path.relative_to(root).as_posix()}", when)
            archive.writestr(entry, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()

"""Release bundles: every artifact under versioned names, the changelog, a README and checksums, in one zip.

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator import __version__, trust
from generator.changes import Changes, to_markdown
from generator.edition import Edition
from generator.model import Framework
from generator.ooxml import zip_entry
from generator.pipeline import MANIFEST, build, build_time, open_staging, silent
from generator.template_context import edition_marking
from generator.templating import md_text

CHANGES = "CHANGES.md"
SCRATCH_PREFIX = ".release-"  # in the output folder while a release is made
CHECKSUMS = "SHA256SUMS"
README = "README.md"
# What each top-level build file is and for whom, by the end of its build name.
HEADLINE = {
    "-poster.pdf": "the whole matrix on one print-ready page, with legend and key principles; for walls and slides",
    "-poster.png": "a preview picture of the poster; for READMEs, chat and a quick look",
    "-policy.docx": "a Word AI security policy to adopt: document control, roles, RACI, statements, annexes; "
    "for security leaders",
    "-raci.xlsx": "the RACI workbook: matrix, long table, RACI, party RACI and changes as named Excel Tables; "
    "for GRC analysts",
    "-responsibilities.csv": "one row per deployment model x security domain with stable ids (UTF-8 with BOM); "
    "for GRC registers",
    "-framework.json": "the whole model, with the changes since the previous version; for tools and scripts",
    "-explorer.html": "the interactive explorer: filter the matrix, open a cell, list what you own, export CSV; "
    "one page that works offline; for everyone",
}
DOCS = "docs/"


@dataclass(frozen=True)
class Release:
    bundle: Path  # the zip
    checksums: Path  # SHA256SUMS of the zip and the headline files beside it
    headline: tuple[Path, ...]  # the headline files beside the zip


def release_name(build_path: str, prefix: str, version: str) -> str:
    """Return a build file's name in a release: top-level files carry the prefix and the framework version."""
    if "/" in build_path:
        return build_path
    stem = build_path.removeprefix(f"{prefix}-")
    return f"{prefix}-{version}-{stem}"


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
    version = framework.info.version
    name = f"{branding.file_prefix}-{version}"
    when = build_time(framework)
    scratch = open_staging(out_dir, SCRATCH_PREFIX)  # inside out_dir; an interrupted release's is cleaned here
    try:
        built, root = scratch / "build", scratch / name
        artifacts = build(edition, built, progress, jobs=jobs)
        files: dict[str, str] = {}  # release path -> format
        for artifact in artifacts:
            target = release_name(artifact.path, branding.file_prefix, version)
            (root / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built / artifact.path, root / target)
            files[target] = artifact.format
        if changes is not None:
            (root / CHANGES).write_text(to_markdown(changes, framework), encoding="utf-8")
            files[CHANGES] = "release"
        readme = bundle_readme(framework, sorted(files), changes, name, edition_marking(framework, branding)["label"])
        (root / README).write_text(readme, encoding="utf-8")
        files[README] = "release"
        _write_manifest(root, framework, when, files)
        _write_checksums(root, sorted([*files, MANIFEST]))
        beside = {f"{name}.zip": _zip(root, when), **_headline(root, sorted(files))}
        sums = f"{name}.{CHECKSUMS}"
        for file_name in [*beside, sums]:  # every place checked before anything is written
            trust.output_file(out_dir, file_name)
        written = [trust.write_output(out_dir, file_name, data) for file_name, data in beside.items()]
        listed = "".join(f"{_sha256(data)}  {file_name}\n" for file_name, data in beside.items())
        checksums = trust.write_output(out_dir, sums, listed.encode("utf-8"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Release(written[0], checksums, tuple(written[1:]))


def bundle_readme(framework: Framework, paths: list[str], changes: Changes | None, name: str, edition: str = "") -> str:
    """Return the bundle's README: what each file is and for whom, where the framework comes from, how to verify."""
    info = framework.info
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
    for path in paths:
        about = next((text for end, text in HEADLINE.items() if path.endswith(end)), None)
        if about:
            lines.append(f"| `{path}` | {about} |")
    lines.append(
        f"| `{DOCS}` | Markdown pages: start with `{DOCS}index.md`, `{DOCS}changes.md` says what changed; for all |"
    )
    if changes is not None:
        lines.append(f"| `{CHANGES}` | what changed from framework v{changes.old_version}: the release notes |")
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


def _headline(root: Path, paths: list[str]) -> dict[str, bytes]:
    """Return the top-level files that also stand beside the zip, by name."""
    return {p: (root / p).read_bytes() for p in paths if "/" not in p and any(p.endswith(end) for end in HEADLINE)}


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

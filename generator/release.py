"""Release bundles: every artifact of a build, the changelog and checksums, in one reproducible zip."""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from generator.changes import compare, to_markdown
from generator.edition import Edition
from generator.model import Framework
from generator.ooxml import zip_entry
from generator.pipeline import build, build_time, silent

CHANGES = "CHANGES.md"
CHECKSUMS = "SHA256SUMS"


def make_release(
    edition: Edition,
    out_dir: Path,
    previous: Framework | None = None,
    progress: Callable[[str], None] = silent,
) -> tuple[Path, Path]:
    """Build the edition, add the changelog against `previous`, zip it; return the zip and its checksum file."""
    framework = edition.framework
    name = f"{edition.branding.file_prefix}-{framework.info.version}"
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / name
        build(edition, root, progress)
        if previous is not None:
            (root / CHANGES).write_text(to_markdown(compare(previous, framework), framework), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        bundle = out_dir / f"{name}.zip"
        _zip(root, bundle, build_time(framework))
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    sums = out_dir / f"{name}.{CHECKSUMS}"
    sums.write_text(f"{digest}  {bundle.name}\n", encoding="utf-8")
    return bundle, sums


def _zip(root: Path, target: Path, when: datetime) -> None:
    """Zip a folder under its own name, entries sorted and stamped alike, so equal inputs give equal bytes."""
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            entry = zip_entry(f"{root.name}/{path.relative_to(root).as_posix()}", when)
            archive.writestr(entry, path.read_bytes(), compresslevel=9)
    partial.replace(target)

"""`verify`: check a downloaded release (zip or unpacked folder) against its SHA256SUMS and manifest.

Nothing is extracted: zip members are hashed as they are read, in memory. The bundle is untrusted:
every file and member is read through `generator.reader` (regular files only, no link or special
member, inflation and nesting bounded).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from generator import reader, trust
from generator.pipeline import MANIFEST
from generator.release import CHECKSUMS

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
# A release holds some thirty files of a few MB in all: far inside these.
BOUNDS = reader.ZipBounds(members=10_000, member_bytes=128 * 1048576, total_bytes=512 * 1048576)
MAX_LIST_BYTES = 4 * 1048576  # SHA256SUMS or manifest.json


class VerifyError(Exception):
    """The path is not a release bundle this command can read."""


@dataclass
class Report:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # SHA256SUMS or manifest.json themselves are wrong

    @property
    def intact(self) -> bool:
        return not (self.missing or self.extra or self.altered or self.problems)

    def lines(self) -> list[str]:
        """Return one line per finding, each naming its file."""
        return (
            [f"missing: {p}" for p in self.missing]
            + [f"extra: {p} is not listed in {CHECKSUMS}" for p in self.extra]
            + [f"altered: {p}" for p in self.altered]
            + self.problems
        )


def verify(path: Path) -> Report:
    """Check every listed file is present and matches, nothing unlisted is there, and the manifest agrees."""
    try:
        with contextlib.ExitStack() as stack:
            return _verify(_open_bundle(path, stack))
    except trust.Refused as exc:
        raise VerifyError(f"refused: {exc}") from None


def _open_bundle(path: Path, stack: contextlib.ExitStack) -> _FolderBundle | _ZipBundle:
    """Open the bundle the user named (a symlink on the command line is followed): a folder or a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise VerifyError(f"{path}: no such file or folder") from None
    if stat.S_ISDIR(mode):
        return _FolderBundle(path)
    if not stat.S_ISREG(mode):
        raise VerifyError(f"{path}: not a regular file or folder (a FIFO or device); give the release zip or folder")
    return _ZipBundle(path, stack.enter_context(trust.open_regular(path.resolve(), 2 * BOUNDS.total_bytes)))


def _verify(bundle: _FolderBundle | _ZipBundle) -> Report:
    path = bundle.path
    present = bundle.files()
    report = Report()
    if CHECKSUMS not in present:
        raise VerifyError(f"{path}: no {CHECKSUMS} in the bundle root; is this a release bundle?")
    sums = _parse_sums(bundle.read(CHECKSUMS), report)
    for name in sorted(sums):
        if name not in present:
            report.missing.append(name)
            continue
        report.checked += 1
        found = bundle.digest(name)
        if found != sums[name]:
            report.altered.append(f"{name} (SHA-256 {found or 'unreadable'}, {CHECKSUMS} says {sums[name]})")
    report.extra = sorted(set(present) - set(sums) - {CHECKSUMS})
    report.extra += [f"{name} ({why})" for name, why in bundle.refused()]
    if MANIFEST in sums and MANIFEST in present:
        _check_manifest(bundle.read(MANIFEST), sums, report)
    elif MANIFEST not in sums:
        report.problems.append(f"{CHECKSUMS} does not list {MANIFEST}")
    return report


def _parse_sums(data: bytes, report: Report) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        found = _SUM_LINE.match(line)
        if not found or not _safe(found[2]):
            report.problems.append(f"{CHECKSUMS} line {number}: expected '<sha256>  <relative path>', found {line!r}")
            continue
        if found[2] in sums:
            report.problems.append(f"{CHECKSUMS} line {number}: {found[2]} is listed twice")
        sums[found[2]] = found[1]
    return sums


def _check_manifest(data: bytes, sums: dict[str, str], report: Report) -> None:
    try:
        listed = {a["path"]: a["sha256"] for a in reader.load_json(data, MANIFEST)["artifacts"]}
    except trust.Refused as exc:
        report.problems.append(str(exc))
        return
    except (ValueError, KeyError, TypeError):
        report.problems.append(f"{MANIFEST}: not a release manifest (expected artifacts with path and sha256)")
        return
    for name in sorted(set(listed) | (set(sums) - {MANIFEST})):
        if name not in sums:
            report.problems.append(f"{MANIFEST} lists {name}, {CHECKSUMS} does not")
        elif name not in listed:
            report.problems.append(f"{CHECKSUMS} lists {name}, {MANIFEST} does not")
        elif listed[name] != sums[name]:
            report.problems.append(f"{MANIFEST} and {CHECKSUMS} disagree on the SHA-256 of {name}")


def _safe(name: str) -> bool:
    """Accept only a relative path that stays inside the bundle."""
    path = PurePosixPath(name)
    return bool(name) and "\\" not in name and not path.is_absolute() and ".." not in path.parts and ":" not in name


class _FolderBundle:
    def __init__(self, path: Path):
        self.path = path
        inner = [p for p in path.iterdir() if p.is_dir() and not p.is_symlink() and (p / CHECKSUMS).is_file()]
        self.root = path if (path / CHECKSUMS).is_file() or len(inner) != 1 else inner[0]
        self._refused: list[tuple[str, str]] = []

    def files(self) -> set[str]:
        found = set()
        for relative, _, kind in reader.walk(self.root):
            if kind == "link":
                self._refused.append((relative, "a symbolic link, not a file"))
            elif kind == "special":
                self._refused.append((relative, "a FIFO, socket or device, not a file"))
            elif kind == "file":
                found.add(relative)
        return found

    def refused(self) -> list[tuple[str, str]]:
        return self._refused

    def read(self, name: str) -> bytes:
        try:
            return trust.read_file(self.root / name, MAX_LIST_BYTES, trusted=True)
        except OSError as exc:
            raise VerifyError(f"{self.root / name}: cannot read it ({exc.strerror})") from None

    def digest(self, name: str) -> str:
        try:
            return reader.file_sha256(self.root / name, BOUNDS.member_bytes, trusted=True)
        except (OSError, trust.Refused):
            return ""  # unreadable or not a plain file any more: reported as altered


class _ZipBundle:
    def __init__(self, path: Path, handle: BinaryIO):
        self.path = path
        self.archive = reader.Archive(handle, str(path), BOUNDS)
        infos = self.archive.infos
        tops = {i.filename.split("/", 1)[0] for i in infos}
        nested = all("/" in i.filename for i in infos)
        self.prefix = f"{tops.pop()}/" if len(tops) == 1 and nested else ""
        self.members: dict[str, zipfile.ZipInfo] = {}
        self._refused: list[tuple[str, str]] = []
        for info in infos:
            name = info.filename.removeprefix(self.prefix)
            if name in self.members:
                self._refused.append((name, "a second zip member of the same name"))
            self.members[name] = info

    def files(self) -> set[str]:
        return set(self.members)

    def refused(self) -> list[tuple[str, str]]:
        return self._refused

    def read(self, name: str) -> bytes:
        return self.archive.read(self.members[name], MAX_LIST_BYTES)

    def digest(self, name: str) -> str:
        digest = hashlib.sha256()
        try:
            for chunk in self.archive.chunks(self.members[name]):
                digest.update(chunk)
        except reader.Damaged:
            return ""  # a damaged or encrypted member: reported as altered
        return digest.hexdigest()

"""The trust boundary: every read from an untrusted folder and every change under the output folder.

Profiles (org.yaml, their assets and template overrides) and the existing contents of the
output folder are untrusted. A path from them is checked as given, one component at a time
with `lstat`, before anything is opened: it must be relative, without `..`, and no component
may be a symbolic link. A file is opened with O_NOFOLLOW and O_NONBLOCK and checked with
`fstat` before a byte is read: a regular file (no FIFO or device), no hard link to a file
elsewhere (untrusted roots only), and no larger than the caller's limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from typing import BinaryIO

MAX_TEXT_BYTES = 2 * 1024 * 1024  # org.yaml, a data file, a text template
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A path or file was refused at the trust boundary; the message names it and says why."""


def relative_parts(relative: str | PurePath) -> tuple[str, ...]:
    """Return the parts of a relative path, refusing absolute paths, `..` and empty names."""
    text = str(relative)
    path = PurePath(text)
    if not text or path.is_absolute() or text.startswith(("/", "\\")) or ".." in path.parts or "\x00" in text:
        raise Refused(f"{text!r} must be a relative path inside its folder (no `..`, no absolute path)")
    return tuple(part for part in path.parts if part != ".")


def contained(root: Path, relative: str | PurePath) -> Path:
    """Return `root/relative`, checked component by component: none may be a symlink.

    Raises Refused for a path that leaves `root` or passes a symlink, FileNotFoundError when a
    component is missing.
    """
    current = root
    for part in relative_parts(relative):
        current = current / part
        if stat.S_ISLNK(os.lstat(current).st_mode):
            raise Refused(f"{current} is a symbolic link; copy the file or folder in instead")
    return current


def within(path: Path, root: Path) -> Path | None:
    """Return `path` relative to `root` when it lies lexically inside it (no `..`), else None."""
    if ".." in path.parts:
        return None
    try:
        return path.relative_to(root)
    except ValueError:
        return None


@contextlib.contextmanager
def open_regular(path: Path, max_bytes: int, *, trusted: bool = False) -> Iterator[BinaryIO]:
    """Open a regular file without following a final symlink, checked with `fstat` before a byte is read.

    Refuses special files (FIFO, device, socket, folder), hard links (untrusted only) and files
    larger than `max_bytes`; yields the open file.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (getattr(os, "ELOOP", -1), getattr(os, "EMLINK", -1)):
            raise Refused(f"{path} is a symbolic link; copy the file in instead") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Refused(f"{path} is not a regular file (a folder, FIFO or device); use a plain file")
    with os.fdopen(fd, "rb") as handle:
        if not trusted and info.st_nlink > 1:
            raise Refused(f"{path} is a hard link to a file elsewhere; copy the file in instead")
        if info.st_size > max_bytes:
            raise Refused(f"{path} is larger than {_size(max_bytes)}; use a smaller file")
        yield handle


def read_file(path: Path, max_bytes: int, *, trusted: bool = False) -> bytes:
    """Read a regular file without following a final symlink; refuse special files, hard links, big files."""
    with open_regular(path, max_bytes, trusted=trusted) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"{path} is larger than {_size(max_bytes)}; use a smaller file")
    return data


def read_inside(root: Path, relative: str | PurePath, max_bytes: int, *, trusted: bool = False) -> bytes:
    """Read `root/relative` after checking the path as given and the file itself."""
    return read_file(contained(root, relative), max_bytes, trusted=trusted)


def _size(limit: int) -> str:
    return f"{limit // 1048576} MiB" if limit >= 1048576 else f"{limit // 1024} KiB"


# --- the output folder -------------------------------------------------------


def real_dir(path: Path) -> None:
    """Refuse `path` unless it is a real folder (not a symlink to one) or absent."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise Refused(f"{path} is a symbolic link; remove it or give a real folder")
    if not stat.S_ISDIR(info.st_mode):
        raise Refused(f"{path} exists and is not a folder; remove it or choose another output folder")


def make_dirs(root: Path, relative: str | PurePath) -> Path:
    """Create `root/relative` folder by folder, refusing any component that is a symlink or a file."""
    current = root
    for part in relative_parts(relative):
        current = current / part
        real_dir(current)
        if not current.exists():
            current.mkdir()
    return current


def output_file(root: Path, relative: str | PurePath) -> Path:
    """Check where a file goes under the output folder: its folders real, the place free or a plain file."""
    parts = relative_parts(relative)
    current = root
    for part in parts[:-1]:
        current = current / part
        real_dir(current)
    target = current / parts[-1]
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target
    if stat.S_ISDIR(info.st_mode):
        raise Refused(f"{target} is a folder where the build writes a file; remove it")
    return target


def write_output(root: Path, relative: str | PurePath, data: bytes) -> Path:
    """Write a file under the output folder as one step: a new temporary file beside it, renamed over it.

    The place is checked first (`output_file`); whatever sits there, a symlink included, is
    replaced, never written through, and a reader never sees half a file.
    """
    target = output_file(root, relative)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def write_outputs(root: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write several files under the output folder as one set; return their places in order.

    Every place is checked first, then every file is written to a temporary file beside its place
    (where a full disk fails, before anything is replaced), then all are renamed into place.
    A failure before the renames leaves the folder as it was.
    """
    targets = [output_file(root, relative) for relative in files]
    temporaries: list[str] = []
    try:
        for target, data in zip(targets, files.values(), strict=True):
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".partial", dir=target.parent)
            temporaries.append(temporary)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
        for temporary, target in zip(temporaries, targets, strict=True):
            os.replace(temporary, target)
    except BaseException:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    return targets


def owned_file(root: Path, relative: str, size: int, sha256: str) -> Path | None:
    """Return a file a manifest lists, only if it is inside `root`, reached without symlinks, and unchanged."""
    try:
        path = contained(root, relative)
        data = read_file(path, size)
    except (Refused, OSError):
        return None
    return path if len(data) == size and hashlib.sha256(data).hexdigest() == sha256 else None

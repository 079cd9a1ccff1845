"""Exclusive locks on the folders a command writes: one writer at a time, the next one waits.

A build or release holds its output folder, and an import holds the profile folder, for as
long as it reads what is there and replaces it, so two writers never interleave (a manifest
that forgets the other build's formats, an import that loses the other person's change).
The lock is the kernel's `flock` on the folder itself: nothing is written into the folder,
nothing is left behind by a killed process, and a planted file cannot stand in for it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from generator import trust

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def holding(folder: Path, what: str, progress: Callable[[str], None]) -> Iterator[None]:
    """Hold `folder` (created if absent, never through a symlink) exclusively while the block runs.

    When another process holds it, `progress` is told once that this one waits and for what,
    and the call blocks until that process is done (or is interrupted).
    """
    trust.real_dir(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(folder, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise trust.Refused(f"{folder} is not a real folder; remove it or choose another folder") from None
        raise
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting: another process is writing {what} in {folder}; this one goes on when it is done")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


class ChangedMeanwhile(Exception):
    """The file to replace is no longer the file that was read; the message names it."""


def replace_if_unchanged(path: Path, read: bytes, data: bytes) -> None:
    """Replace `path` with `data` in one step, only if it still holds `read` (the bytes the edit started from).

    An editor that saved the file after it was read is not overwritten: ChangedMeanwhile is
    raised and nothing is written. The new file is written beside the old one and renamed
    over it, so a reader never sees half a file.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        try:
            with open(temporary, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:  # a full disk: name the file the user knows, not the temporary one
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        with contextlib.suppress(OSError):
            os.chmod(temporary, os.stat(path).st_mode & 0o777)
        if _current(path, len(read)) != read:
            raise ChangedMeanwhile(f"{path} changed while this command ran; nothing was written, run it again")
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _current(path: Path, expected_size: int) -> bytes | None:
    """Return what `path` holds now, or None when it is no longer a plain file of at most `expected_size` bytes."""
    try:
        return trust.read_file(path, expected_size)
    except (trust.Refused, FileNotFoundError):
        return None

"""The user's cache folder for this program, and atomic writes into it.

What is kept there is only ever derived from the project's own files or the trusted data, under
names that hash everything it depends on, so a stale entry is never used; deleting the folder
costs only the time to make its entries again.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

FOLDER_NAME = "ai-srm-generator"


def folder(kind: str) -> Path | None:
    """Return the cache folder for `kind` (XDG on Linux), or None when the user has no home to keep one in."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches") if _has_home() else ""
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # unset, or relative (which the XDG specification says to ignore)
            base = str(Path.home() / ".cache") if _has_home() else ""
    return Path(base) / FOLDER_NAME / kind if os.path.isabs(base) else None


def _has_home() -> bool:
    try:
        return os.path.isabs(Path.home())
    except (RuntimeError, KeyError):  # no HOME and no password entry
        return False


def write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, so a reader sees the old file or the new.

    A cache that cannot be written is left as it is (OSError is ignored).
    """
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

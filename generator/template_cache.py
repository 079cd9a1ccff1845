"""Compiled default templates kept in the user's cache folder, as Python keeps compiled modules.

Compiling the project's own templates took about a tenth of a second of every build. Jinja
hands each compiled template to the environment's bytecode cache; this one keeps only the
templates inside the project's `templates/` folder, never an organisation's override, so
nothing an organisation supplies is ever stored or loaded. A cached template is used only
when its key matches: a SHA-256 over its name, file and source, and over everything that
shapes the compiled code (`compiler`: the Jinja version, Python's bytecode version and the
generator's sandbox). Each template has one file, `<name hash>.jinja`, replaced atomically
when its key changes. A cache that cannot be read or written is compiled around.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from types import CodeType

from jinja2.bccache import Bucket, BytecodeCache

from generator import trust

FOLDER_NAME = "ai-srm-generator"
_KEY_BYTES = 32  # a SHA-256 digest heads each file


def user_cache_folder() -> Path | None:
    """Return the user's cache folder for this program (XDG on Linux), or None when there is no home."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches") if _has_home() else ""
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # unset, or relative (which the XDG specification says to ignore)
            base = str(Path.home() / ".cache") if _has_home() else ""
    return Path(base) / FOLDER_NAME / "templates" if os.path.isabs(base) else None


def _has_home() -> bool:
    try:
        return os.path.isabs(Path.home())
    except (RuntimeError, KeyError):  # no HOME and no password entry
        return False


class DefaultTemplateCache(BytecodeCache):
    """Jinja's bytecode cache for the templates inside `root` only, in `folder`."""

    def __init__(self, folder: Path, root: Path, compiler: bytes) -> None:
        self.folder = folder
        self.root = root
        self.compiler = compiler

    def get_bucket(self, environment, name: str, filename: str | None, source: str) -> Bucket:
        cacheable = filename is not None and trust.within(Path(filename), self.root) is not None
        bucket = Bucket(environment, self._file_name(name, filename) if cacheable else "", "")
        if cacheable:
            bucket.checksum = self._key(name, filename, source).hex()
            self.load_bytecode(bucket)
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        if bucket.key:
            self.dump_bytecode(bucket)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = (self.folder / bucket.key).read_bytes()
        except OSError:
            return
        if data[:_KEY_BYTES].hex() != bucket.checksum:
            return
        try:
            code = marshal.loads(data[_KEY_BYTES:])
        except (EOFError, ValueError, TypeError):
            return
        if isinstance(code, CodeType):
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bytes.fromhex(bucket.checksum) + marshal.dumps(bucket.code)
        with contextlib.suppress(OSError):
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            _replace(self.folder / bucket.key, data)

    @staticmethod
    def _file_name(name: str, filename: str | None) -> str:
        return hashlib.sha256(f"{name}\0{filename}".encode()).hexdigest()[:32] + ".jinja"

    def _key(self, name: str, filename: str | None, source: str) -> bytes:
        digest = hashlib.sha256(self.compiler)
        for part in (name, filename or "", source):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.digest()


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, so a reader sees the old file or the new."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

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

import hashlib
import marshal
from pathlib import Path
from types import CodeType

from jinja2.bccache import Bucket, BytecodeCache

from generator import trust, user_cache

_KEY_BYTES = 32  # a SHA-256 digest heads each file


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
        user_cache.write(self.folder / bucket.key, bytes.fromhex(bucket.checksum) + marshal.dumps(bucket.code))

    @staticmethod
    def _file_name(name: str, filename: str | None) -> str:
        return hashlib.sha256(f"{name}\0{filename}".encode()).hexdigest()[:32] + ".jinja"

    def _key(self, name: str, filename: str | None, source: str) -> bytes:
        digest = hashlib.sha256(self.compiler)
        for part in (name, filename or "", source):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.digest()

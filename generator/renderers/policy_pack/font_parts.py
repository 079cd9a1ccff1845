"""A font file as the policy carries it: obfuscated (ECMA-376 Part 1, 17.8.1), with its panose.

Embedding DejaVu Sans's two faces (1.4 MB) meant deflating them into the .docx in every build
(about 65 ms) and reading the regular face's panose with fontTools (about 10 ms more). Both
depend only on the font's bytes, zlib's version and this code, so for a font inside the
project's templates folder (never an organisation's: nothing a profile brings is kept) they
are kept in the user's cache folder (`fonts/`), in a file named by a SHA-256 over all of those.
The file holds a SHA-256 of its content, then the panose and the obfuscated font as
`ooxml.deflate` deflates it; one whose content does not match its SHA-256 is made again.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from generator import ooxml, trust, user_cache
from generator.templating import TEMPLATES_DIR

_DIGEST = 32  # bytes of a SHA-256
_PANOSE = 20  # hexadecimal digits of a panose (ten bytes)


@dataclass(frozen=True)
class Face:
    """One font file ready to embed: the GUID that obfuscates it, the obfuscated part, its panose."""

    key: str
    part: bytes
    panose: str
    deflated: bytes | None  # the part as `ooxml.deflate` deflates it, for the project's own fonts


def face(path: Path) -> Face:
    """Return the font file at `path` ready to embed; a project font's panose and deflated part come from the cache."""
    data = path.read_bytes()
    key = font_key(data)
    part = obfuscate(data, key)
    folder = user_cache.folder("fonts") if trust.within(path, TEMPLATES_DIR) is not None else None
    if folder is None:
        return Face(key, part, panose(data), None)
    entry = folder / hashlib.sha256(_maker() + hashlib.sha256(data).digest()).hexdigest()
    kept = _read(entry)
    if kept is not None:
        return Face(key, part, *kept)
    made, deflated = panose(data), ooxml.deflate(part)
    body = made.encode("ascii") + deflated
    user_cache.write(entry, hashlib.sha256(body).digest() + body)
    return Face(key, part, made, deflated)


def font_key(data: bytes) -> str:
    """Return the GUID that obfuscates a font part, derived from the font so the bytes are reproducible."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key's bytes in reverse order (ECMA-376 Part 1, 17.8.1); it is its own inverse."""
    digits = key.strip("{}").replace("-", "")
    secret = bytes(int(digits[i : i + 2], 16) for i in range(30, -1, -2))
    head = bytes(b ^ secret[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def panose(data: bytes) -> str:
    """Return the font's PANOSE classification (its OS/2 table's) as Word's fontTable writes it: 20 hex digits."""
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(data), lazy=True) as font:
        classification = font["OS/2"].panose
    fields = (
        *("bFamilyType", "bSerifStyle", "bWeight", "bProportion", "bContrast", "bStrokeVariation"),
        *("bArmStyle", "bLetterForm", "bMidline", "bXHeight"),
    )
    return "".join(f"{getattr(classification, f):02X}" for f in fields)


def _read(entry: Path) -> tuple[str, bytes] | None:
    """Return a cache file's panose and deflated part, or None if it is missing or damaged."""
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    digest, body = data[:_DIGEST], data[_DIGEST:]
    if len(body) < _PANOSE or hashlib.sha256(body).digest() != digest:
        return None
    return body[:_PANOSE].decode("ascii"), body[_PANOSE:]


@cache
def _maker() -> bytes:
    """What shapes a cache file besides the font: zlib's version and the code that obfuscates, reads and deflates."""
    digest = hashlib.sha256(zlib.ZLIB_RUNTIME_VERSION.encode() + b"\0")
    for source in (__file__, ooxml.__file__ or ""):
        digest.update(Path(source).read_bytes())
    return digest.digest()

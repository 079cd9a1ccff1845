"""XML-safe text and reproducible zip packages, shared by the Office renderers and release zips."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from datetime import datetime

DEFLATE_LEVEL = 6  # zlib's default, as every package entry is deflated

# Characters XML 1.0 cannot hold: C0 controls except tab, newline, carriage return; surrogates; U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Remove characters that XML cannot represent."""
    return _XML_ILLEGAL.sub("", text)


def office_keywords(topics: list[str]) -> str:
    """Write keywords as Word and LibreOffice both list them: each phrase hyphenated, joined by "; ".

    Word keeps the text as it is; LibreOffice splits it at spaces, commas, colons and semicolons.
    """
    return xml_safe("; ".join("-".join(re.split(r"[\s,;:]+", t.strip())) for t in topics))


def zip_stamp(when: datetime) -> tuple[int, int, int, int, int, int]:
    """Return `when` as a zip entry time (zip cannot store dates before 1980)."""
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def zip_entry(name: str, when: datetime) -> zipfile.ZipInfo:
    """Return a deflated, world-readable zip entry stamped `when`, the same on every machine."""
    entry = zipfile.ZipInfo(name, date_time=zip_stamp(when))
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    entry.create_system = 0
    return entry


def normalise_zip(data: bytes, when: datetime, deflated: Mapping[str, bytes] | None = None) -> bytes:
    """Rewrite a zip package with every entry stamped `when`, in the original order, deflated.

    Office libraries stamp entries with the current time; this makes the bytes depend
    on the inputs alone. `deflated` holds, by entry name, streams already made by `deflate`
    from those entries' bytes: they are written as they are, not deflated again.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry, blob = zip_entry(info.filename, when), source.read(info.filename)
            stream = (deflated or {}).get(info.filename)
            if stream is None:
                target.writestr(entry, blob, compresslevel=DEFLATE_LEVEL)
            else:
                _write_deflated(target, entry, blob, stream)
    return out.getvalue()


def deflate(data: bytes) -> bytes:
    """Return `data` deflated as a zip entry of `normalise_zip` holds it (a raw stream at DEFLATE_LEVEL)."""
    packer = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _write_deflated(target: zipfile.ZipFile, entry: zipfile.ZipInfo, data: bytes, stream: bytes) -> None:
    """Write an entry of `data` whose deflated `stream` is known: the same bytes as `writestr` at DEFLATE_LEVEL.

    zipfile writes the header, checksum and sizes as for any entry; only its deflater (a private
    attribute of the entry's handle) is replaced by one that gives back `stream`. Where the handle
    has no such attribute, it deflates `data` itself: slower, the same bytes.
    """
    entry.file_size = len(data)
    with target.open(entry, "w") as handle:
        if isinstance(getattr(handle, "_compressor", None), type(zlib.compressobj())):
            handle._compressor = _Deflated(stream)  # type: ignore[attr-defined]
        handle.write(data)


class _Deflated:
    """A stand-in for zlib's compressor that returns a stream made before."""

    def __init__(self, stream: bytes) -> None:
        self._stream = stream

    def compress(self, data: bytes) -> bytes:
        stream, self._stream = self._stream, b""
        return stream

    def flush(self) -> bytes:
        return b""

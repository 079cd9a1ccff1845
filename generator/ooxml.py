"""XML-safe text and reproducible zip packages, shared by the Office renderers and release zips."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

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


def normalise_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a zip package with every entry stamped `when`, in the original order, deflated.

    Office libraries stamp entries with the current time; this makes the bytes depend
    on the inputs alone.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(zip_entry(info.filename, when), source.read(info.filename), compresslevel=6)
    return out.getvalue()

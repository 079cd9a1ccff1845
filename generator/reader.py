"""The one bounded reader for untrusted files, folders and archives.

`trust` decides whether a file may be opened at all (regular file, no link, size cap); this module
bounds what the content can make the generator do once it is open: a zip is vetted from its
central directory (member count, names, no symlink or special members, declared sizes) and every
member is inflated in chunks against a per-member and a total cap, whatever the entry declares;
JSON is parsed only after its nesting is counted; XML is read as a stream of events (no DTD, no
entities, no network) with element and depth caps; an xlsx workbook is vetted part by part
(rows, columns, cells, merged areas, styles, shared strings) before openpyxl sees it. Every
refusal is a `trust.Refused` whose message names the file, the part and the limit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from generator.trust import Refused, open_regular

CHUNK = 1 << 20
MAX_JSON_DEPTH = 64  # a release manifest is 3 deep
MAX_XML_DEPTH = 64  # an xlsx part is under 10 deep


class NotAZip(Refused):
    """The bytes are not a zip archive at all."""


class Damaged(Refused):
    """A member cannot be inflated: a bad CRC, a broken stream, encryption or an unknown method."""


@dataclass(frozen=True)
class ZipBounds:
    """What one archive may hold and inflate to."""

    members: int
    member_bytes: int
    total_bytes: int


# --- files and folders ---------------------------------------------------------------------


def file_sha256(path: Path, max_bytes: int, *, trusted: bool = False) -> str:
    """Return the SHA-256 of a regular file, read in chunks; refuse what `trust.open_regular` refuses."""
    digest = hashlib.sha256()
    with open_regular(path, max_bytes, trusted=trusted) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def walk(root: Path) -> Iterator[tuple[str, Path, str]]:
    """Yield (relative posix path, path, kind) for every entry under `root`, sorted, symlinks never followed.

    kind is "file", "dir", "link" or "special" (FIFO, socket, device), from `lstat`: nothing is opened.
    A symlink to a folder is yielded as "link" and not entered.
    """
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        entered = []
        for name in sorted(dirs + files):
            path = here / name
            mode = os.lstat(path).st_mode
            kind = "link" if stat.S_ISLNK(mode) else "dir" if stat.S_ISDIR(mode) else "file"
            if kind == "file" and not stat.S_ISREG(mode):
                kind = "special"
            if kind == "dir":
                entered.append(name)
            yield path.relative_to(root).as_posix(), path, kind
        dirs[:] = sorted(d for d in dirs if d in entered)


# --- zip archives --------------------------------------------------------------------------


class Archive:
    """A zip vetted from its central directory; members are read in chunks against the bounds."""

    def __init__(self, source: bytes | BinaryIO, what: str, bounds: ZipBounds):
        self.what, self.bounds, self._inflated = what, bounds, 0
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        source.seek(0, os.SEEK_END)
        source.seek(max(0, source.tell() - 65557))
        _check_declared_count(source.read(), what, bounds.members)  # the end record: before any entry is parsed
        source.seek(0)
        try:
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error) as exc:
            raise NotAZip(f"{what}: not a zip file ({exc})") from None
        infos = self.zip.infolist()
        if len(infos) > bounds.members:
            raise Refused(f"{what}: {len(infos)} members, more than {bounds.members}")
        declared = 0
        for info in infos:
            _check_member(info, what, bounds)
            declared += info.file_size
        if declared > bounds.total_bytes:
            raise Refused(f"{what}: its members inflate to {declared} bytes, more than {_size(bounds.total_bytes)}")
        self.infos = [i for i in infos if not i.is_dir()]

    def chunks(self, info: zipfile.ZipInfo, max_bytes: int | None = None) -> Iterator[bytes]:
        """Yield a member's bytes as inflated, refusing once it passes its cap or the archive's total."""
        cap = min(self.bounds.member_bytes, max_bytes or self.bounds.member_bytes)
        size = 0
        try:
            with self.zip.open(info) as member:
                for chunk in iter(lambda: member.read(CHUNK), b""):
                    size += len(chunk)
                    self._inflated += len(chunk)
                    if size > cap:
                        raise Refused(f"{self.what}: {info.filename} inflates to more than {_size(cap)}")
                    if self._inflated > self.bounds.total_bytes:
                        raise Refused(f"{self.what}: the members inflate to more than {_size(self.bounds.total_bytes)}")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError) as exc:
            raise Damaged(f"{self.what}: {info.filename} cannot be read ({exc})") from None

    def read(self, info: zipfile.ZipInfo, max_bytes: int | None = None) -> bytes:
        return b"".join(self.chunks(info, max_bytes))

    def stream(self, info: zipfile.ZipInfo, max_bytes: int | None = None) -> _ChunkStream:
        return _ChunkStream(self.chunks(info, max_bytes))


def _check_declared_count(tail: bytes, what: str, members: int) -> None:
    """Refuse a zip whose end record (in the file's last 64 KiB) declares more members than allowed."""
    end = tail.rfind(b"PK\x05\x06")
    if end >= 0 and len(tail) >= end + 22:
        count = struct.unpack_from("<H", tail, end + 10)[0]
        if count != 0xFFFF and count > members:
            raise Refused(f"{what}: {count} members, more than {members}")


def _check_member(info: zipfile.ZipInfo, what: str, bounds: ZipBounds) -> None:
    name = info.filename
    path = PurePosixPath(name)
    if not name or "\\" in name or "\x00" in name or path.is_absolute() or ".." in path.parts or ":" in name:
        raise Refused(f"{what}: member {name} leaves the archive (an absolute path, `..` or a drive)")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise Refused(f"{what}: {name} is a symbolic link, not a file")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise Refused(f"{what}: {name} is a special file (FIFO or device), not a file")
    if info.file_size > bounds.member_bytes:
        raise Refused(f"{what}: {name} inflates to {info.file_size} bytes, more than {_size(bounds.member_bytes)}")


class _ChunkStream(io.RawIOBase):
    """A read-only file over an iterator of chunks, for streaming parsers."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buffer = chunks, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


# --- JSON ----------------------------------------------------------------------------------

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def load_json(data: bytes, what: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON after counting its nesting; raise Refused past `max_depth`, ValueError when malformed."""
    text = data.decode("utf-8")
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > max_depth:
                raise Refused(f"{what}: nested deeper than {max_depth} levels")
        elif mark in "]}":
            depth -= 1
    return json.loads(text)


# --- XML -----------------------------------------------------------------------------------


def xml_events(stream: io.RawIOBase | BinaryIO, what: str, max_elements: int) -> Iterator[tuple[str, Any]]:
    """Yield lxml ("start"/"end", element) events of one XML document, refusing a DTD, depth or element count.

    Elements are cleared after their end event: a caller reads attributes at "start" and text at "end".
    """
    from lxml import etree  # imported on first use: the command line starts without the format libraries

    parser = etree.iterparse(
        _NoDoctype(stream, what),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = elements = 0
    try:
        for event, element in parser:
            if event == "start":
                depth += 1
                elements += 1
                if depth > MAX_XML_DEPTH:
                    raise Refused(f"{what}: nested deeper than {MAX_XML_DEPTH} levels")
                if elements > max_elements:
                    raise Refused(f"{what}: more than {max_elements} elements")
                yield event, element
            else:
                depth -= 1
                yield event, element
                element.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        raise Refused(f"{what}: not well-formed XML ({exc})") from None


class _NoDoctype(io.RawIOBase):
    """Pass a stream through, refusing a document type declaration or an entity wherever it starts."""

    _MARKS = (b"<!DOCTYPE", b"<!ENTITY")

    def __init__(self, stream: io.RawIOBase | BinaryIO, what: str):
        self._stream, self._what, self._tail = stream, what, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        window = self._tail + data
        if any(mark in window for mark in self._MARKS):
            raise Refused(f"{self._what}: declares a DTD or an entity; save the file again without one")
        self._tail = window[-8:]
        return data


# --- xlsx workbooks ------------------------------------------------------------------------

XLSX_BOUNDS = ZipBounds(members=1000, member_bytes=32 * 1048576, total_bytes=128 * 1048576)
XLSX_ELEMENTS = 500_000  # XML elements one part may hold
XLSX_ROWS = 10_000  # a sheet's last row (the RACI workbook's longest sheet has 129)
XLSX_COLUMNS = 1_024  # a sheet's last column (the RACI workbook's widest has 13)
XLSX_CELLS = 200_000  # cells and shared strings in the whole workbook
XLSX_STYLES = 10_000  # elements of styles.xml (the RACI workbook's has under 300)
XLSX_TEXT = 32_767  # characters in one cell: Excel's own limit
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def check_workbook(data: bytes, what: str) -> None:
    """Refuse an xlsx whose parts would make openpyxl walk, hold or parse more than a RACI workbook needs.

    Every XML part is read as events before openpyxl sees the file: no DTD, at most XLSX_ELEMENTS
    elements; each sheet's cells, rows and merged or linked areas within XLSX_ROWS x XLSX_COLUMNS,
    XLSX_CELLS cells and shared strings in all, XLSX_STYLES style elements, XLSX_TEXT characters a string.
    """
    archive = Archive(data, what, XLSX_BOUNDS)
    parts = {info.filename: info for info in archive.infos}
    sheets = _sheet_names(archive, parts)
    cells = 0
    for name, info in parts.items():
        if not name.endswith((".xml", ".rels", ".vml")):
            for _ in archive.chunks(info):  # bounded like the others, parsed by nobody here
                pass
            continue
        part = f"{what}: {f'sheet {sheets[name]} ({name})' if name in sheets else name}"
        events = xml_events(archive.stream(info), part, XLSX_STYLES if name == "xl/styles.xml" else XLSX_ELEMENTS)
        if name in sheets:
            cells += _check_sheet(events, part, XLSX_CELLS - cells)
        elif name == "xl/sharedStrings.xml":
            cells += _check_strings(events, part, XLSX_CELLS - cells)
        else:
            for _ in events:
                pass


def _sheet_names(archive: Archive, parts: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Return each worksheet part's sheet name, from the workbook and its relationships."""
    targets, names = {}, {}
    for label, part in (("rels", "xl/_rels/workbook.xml.rels"), ("book", "xl/workbook.xml")):
        if part not in parts:
            continue
        for event, element in xml_events(archive.stream(parts[part]), f"{archive.what}: {part}", XLSX_ELEMENTS):
            if event != "start":
                continue
            if label == "rels" and element.get("Target"):
                target = element.get("Target")
                targets[element.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            elif label == "book" and element.tag == f"{_MAIN}sheet":
                names[element.get(_REL)] = element.get("name", "?")
    return {targets[rid]: name for rid, name in names.items() if rid in targets}


def _check_sheet(events: Iterator[tuple[str, Any]], part: str, cells_left: int) -> int:
    """Bound one worksheet's rows, columns, cells and areas; return its cell count."""
    row = column = cells = 0
    for event, element in events:
        if event != "start":
            continue
        tag = element.tag
        if tag == f"{_MAIN}row":
            given = element.get("r") or ""
            row = int(given) if given.isascii() and given.isdigit() else row + 1
            column = 0
            _check_position(part, f"row {row}", row, 1)
        elif tag == f"{_MAIN}c":
            cells += 1
            if cells > cells_left:
                raise Refused(f"{part}: more than {XLSX_CELLS} cells in the workbook")
            found = _CELL_REF.fullmatch(element.get("r") or "")
            row, column = (int(found[2]), _column(found[1])) if found else (max(row, 1), column + 1)
            _check_position(part, f"cell {element.get('r') or f'{column}/{row}'}", row, column)
        elif tag in (f"{_MAIN}mergeCell", f"{_MAIN}hyperlink"):
            for corner in (element.get("ref") or "").split(":"):
                found = _CELL_REF.fullmatch(corner)
                if found:
                    area = f"{tag.rsplit('}', 1)[-1]} {element.get('ref')}"
                    _check_position(part, area, int(found[2]), _column(found[1]))
    return cells


def _check_position(part: str, what: str, row: int, column: int) -> None:
    if not 1 <= row <= XLSX_ROWS:
        limit = f"row {XLSX_ROWS}"
    elif not 1 <= column <= XLSX_COLUMNS:
        limit = f"column {XLSX_COLUMNS} (AMJ)"
    else:
        return
    raise Refused(f"{part}: {what} lies beyond {limit}; clear the far cells or export the workbook again")


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _check_strings(events: Iterator[tuple[str, Any]], part: str, cells_left: int) -> int:
    """Bound the shared strings' count and each string's length; return the count."""
    count = length = 0
    for event, element in events:
        if event == "start" and element.tag == f"{_MAIN}si":
            count, length = count + 1, 0
            if count > cells_left:
                raise Refused(f"{part}: more than {XLSX_CELLS} cells and strings in the workbook")
        elif event == "end" and element.tag == f"{_MAIN}t":
            length += len(element.text or "")
            if length > XLSX_TEXT:
                raise Refused(f"{part}: string {count} is longer than {XLSX_TEXT} characters")
    return count


def _size(limit: int) -> str:
    return f"{limit // 1048576} MiB" if limit >= 1048576 else f"{limit // 1024} KiB"

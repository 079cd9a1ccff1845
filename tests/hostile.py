"""Helpers for the hostile-input tests: snapshots of folders, a loopback server that counts requests, and
hostile workbooks and release zips made cheaply (a few KB on disk, however much they inflate to)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import stat
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder` (symlinks not followed): file bytes, link targets, folders."""
    found: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = os.lstat(path)
            key = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[key] = "dir"
            elif not stat.S_ISREG(info.st_mode):
                found[key] = "special"  # a FIFO or device: never opened
            else:
                found[key] = path.read_bytes()
    return found


def copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "org"
    shutil.copytree(EXAMPLE, target)
    return target


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args):
        pass


@contextmanager
def loopback_server() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 for the block; yields its base URL and the list of requests it got."""
    requests: ClassVar[list[str]] = []
    handler = type("Handler", (_Counting,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- hostile archives ------------------------------------------------------------------------


Member = bytes | Iterable[bytes] | tuple[zipfile.ZipInfo, bytes]


def rezip(source: Path, target: Path, parts: dict[str, Member]) -> None:
    """Copy a zip, replacing or adding members: bytes, an iterable of chunks (streamed, never held), or a
    (ZipInfo, bytes) pair for a member with its own attributes."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename not in parts:
                new.writestr(info.filename, old.read(info))
        for name, data in parts.items():
            if isinstance(data, tuple):
                new.writestr(data[0], data[1])
            elif isinstance(data, bytes):
                new.writestr(name, data)
            else:
                with new.open(name, "w", force_zip64=True) as member:
                    for chunk in data:
                        member.write(chunk)


def zeros(total: int, chunk: int = 1 << 22) -> Iterator[bytes]:
    """`total` zero bytes in chunks: deflates to about a thousandth of its size."""
    block = bytes(chunk)
    for start in range(0, total, chunk):
        yield block[: min(chunk, total - start)]


def sheet_part(xlsx: Path, sheet: str) -> str:
    """The zip member holding a workbook's sheet, found through the workbook's relationships."""
    import openpyxl

    index = openpyxl.load_workbook(xlsx, read_only=True).sheetnames.index(sheet)
    return f"xl/worksheets/sheet{index + 1}.xml"


def workbook_with(xlsx: Path, target: Path, part: str, change: Callable[[bytes], bytes | Iterable[bytes]]) -> Path:
    """A copy of a workbook with one XML part changed."""
    with zipfile.ZipFile(xlsx) as z:
        original = z.read(part)
    rezip(xlsx, target, {part: change(original)})
    return target


def far_cell(xml: bytes) -> bytes:
    """One more cell, at the sheet's last possible coordinate XFD1048576."""
    return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')


def empty_rows(count: int) -> Callable[[bytes], Iterator[bytes]]:
    def change(xml: bytes) -> Iterator[bytes]:
        head, tail = xml.split(b"</sheetData>")
        yield head
        for start in range(100, count, 10000):
            yield b"".join(b'<row r="%d"/>' % r for r in range(start, min(count, start + 10000)))
        yield b"</sheetData>" + tail

    return change


def many_styles(count: int) -> Callable[[bytes], Iterator[bytes]]:
    def change(xml: bytes) -> Iterator[bytes]:
        head, tail = xml.split(b"</cellXfs>")
        yield head
        for _ in range(0, count, 10000):
            yield b"<xf/>" * 10000
        yield b"</cellXfs>" + tail

    return change


def symlink_member(name: str, target: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def resum(folder: Path, changed: dict[str, bytes]) -> dict[str, bytes]:
    """The SHA256SUMS and manifest.json of an unpacked release, updated to match `changed` members."""
    sums = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, data in changed.items():
        sums[name] = hashlib.sha256(data).hexdigest()
        for artifact in manifest["artifacts"]:
            if artifact["path"] == name:
                artifact["sha256"], artifact["size"] = sums[name], len(data)
    manifest_bytes = json.dumps(manifest, indent=2).encode() + b"\n"
    sums["manifest.json"] = hashlib.sha256(manifest_bytes).hexdigest()
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    return {"SHA256SUMS": text.encode(), "manifest.json": manifest_bytes}

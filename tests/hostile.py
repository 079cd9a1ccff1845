"""Helpers for the hostile-input tests: snapshots of folders and a loopback server that counts requests."""

from __future__ import annotations

import http.server
import os
import shutil
import stat
import threading
from collections.abc import Iterator
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

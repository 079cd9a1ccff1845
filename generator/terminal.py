"""What the commands print: untrusted text (file names, cell values, member names) never acts on the terminal.

While a command runs, its standard output and error escape every control character but the
line feed and tab (a carriage return or an escape sequence could rewrite what was printed, as a
fake "intact" line would) and the direction overrides, shorten a runaway line, and write what
the terminal's encoding cannot show as an escape instead of failing after the work is done.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import TextIO

MAX_LINE = 1000  # characters of one printed line; a 200 MB cell value is not echoed whole
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Return `text` with control characters escaped and each line shortened to MAX_LINE characters."""
    text = _UNSAFE.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), text)
    if len(text) <= MAX_LINE:
        return text
    return "\n".join(_shorten(line) for line in text.split("\n"))


def _shorten(line: str) -> str:
    if len(line) <= MAX_LINE:
        return line
    return f"{line[:MAX_LINE]}... ({len(line) - MAX_LINE} more characters)"


class _Escaping:
    """A text stream that writes `printable` text in what its encoding can show."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        encoding = getattr(self._stream, "encoding", None) or "utf-8"
        shown = printable(text).encode(encoding, "backslashreplace").decode(encoding)
        return self._stream.write(shown)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def escaped() -> Iterator[None]:
    """Escape what is printed to standard output and error while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Escaping(sys.stdout), _Escaping(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved

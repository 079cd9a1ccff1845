"""Problems found in input files, reported all at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_PLACE = re.compile(r"\b(?:cell ([A-Z]{1,3})(\d+)|row (\d+))\b")  # a workbook problem's place in its sheet


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as known."""

    file: Path
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = display_path(self.file)
        if self.line is not None:
            where += f":{self.line}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class InputError(Exception):
    """Raised with every problem found, after all checks have run."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line or 0, *_sheet_order(p.key)))
        super().__init__("\n".join(str(p) for p in self.problems))


def _sheet_order(key: str) -> tuple[str, float, int, str]:
    """Order keys naming a sheet's cells or rows by row, then column, numerically (L2 before L10 before A11)."""
    place = _PLACE.search(key)
    if place is None:
        return key, float("inf"), 0, ""
    column = 0
    for letter in place[1] or "":
        column = column * 26 + ord(letter) - ord("A") + 1
    return key[: place.start()], int(place[2] or place[3]), column, key[place.end() :]


def display_path(path: Path) -> str:
    """Show a path relative to the working folder when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

"""Read the independently transcribed upstream matrix tables in tests/fixtures/upstream/."""

from __future__ import annotations

from pathlib import Path

UPSTREAM = Path(__file__).parent / "fixtures" / "upstream"


def upstream_matrix(version: str) -> tuple[list[str], dict[str, list[str]]]:
    """Return (model short names, {domain row label: cells as written}) of an upstream table."""
    header, body = _rows(version)
    return header[1:], {_label(row[0]): row[1:] for row in body}


def upstream_starred(version: str) -> set[str]:
    """Return the labels of the rows the upstream table marks with ★."""
    return {_label(row[0]) for row in _rows(version)[1] if "★" in row[0]}


def _label(text: str) -> str:
    return text.replace("**", "").replace("★", "").strip()


def _rows(version: str) -> tuple[list[str], list[list[str]]]:
    rows = [
        [part.strip() for part in line.strip().strip("|").split("|")]
        for line in (UPSTREAM / f"matrix-v{version}.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("|")
    ]
    return rows[0], rows[2:]

"""Small pieces of running text that several formats write the same way."""

from __future__ import annotations

from collections.abc import Sequence


def series(items: Sequence[str], word: str = "and") -> str:
    """Join items as running text: "a", "a and b", "a, b and c" (`word`: "or" for alternatives)."""
    if len(items) < 3:
        return f" {word} ".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"

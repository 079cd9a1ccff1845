"""One validator per kind of value, used at load time for profiles and the framework data.

Ids, prefixes and colours are matched whole (a trailing newline does not pass, as it
would with `^...$`). Names and free text may hold only characters the bundled DejaVu
fonts can draw, no control characters (names: no line breaks either), and names stay
within every format's limits: an Excel table header holds at most 255 characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from generator.search_path import TEMPLATES_DIR

NAME_MAX = 255  # an Excel table column header
FONT_FILES = ("fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf")
_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
# Printable ASCII and Latin-1, which every bundled font draws (a test checks): text made only of
# these needs no look into the fonts' character maps, which costs a fontTools import and a parse.
_LATIN_1 = re.compile(r"[\x20-\x7e\xa0-\xff\s]*")
# Controls, and invisible format characters: zero-width spaces and joiners, direction marks and overrides.
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def whole_match(pattern: str, value: str) -> bool:
    """Match an anchored `^...$` pattern against all of `value`: no trailing newline slips through."""
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is not None


@cache
def drawable() -> frozenset[int]:
    """Return the code points every bundled font can draw."""
    from fontTools.ttLib import TTFont

    sets = []
    for name in FONT_FILES:
        with TTFont(TEMPLATES_DIR / name, lazy=True) as font:
            sets.append(set(font["cmap"].getBestCmap()))
    return frozenset(set.intersection(*sets))


def text_problem(value: str, *, one_line: bool = False, max_length: int | None = None) -> str | None:
    """Return what is wrong with a name or free text, or None when it is fine."""
    if one_line and any(c in _LINE_BREAKS or c == "\t" for c in value):
        return "contains control characters (line breaks, tabs, ...); use plain one-line text"
    found = _CONTROLS.search(value)
    if found:
        return f"contains the control or invisible character U+{ord(found[0]):04X}; remove it"
    if _LATIN_1.fullmatch(value):
        return _length_problem(value, max_length)
    missing = sorted({c for c in value if ord(c) not in drawable() and not c.isspace()})
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in missing[:3])
        return f"contains characters the bundled DejaVu fonts cannot draw: {shown}; use other characters"
    return _length_problem(value, max_length)


def _length_problem(value: str, max_length: int | None) -> str | None:
    if max_length is not None and len(value) > max_length:
        return f"is {len(value)} characters long, more than {max_length} (the Excel header limit); shorten it"
    return None


def name_problem(value: str) -> str | None:
    """Return what is wrong with a name (one line, drawable, within NAME_MAX, no space at either end), or None."""
    problem = text_problem(value, one_line=True, max_length=NAME_MAX)
    if problem is None and value != value.strip():
        return f"{value!r} starts or ends with a space; remove it"
    return problem

"""Which font subsetter WeasyPrint uses for the poster: HarfBuzz's, or the fontTools fallback.

WeasyPrint subsets embedded fonts with HarfBuzz's subsetter (the `libharfbuzz-subset0`
package on Debian and Ubuntu) when the library loads, and otherwise falls back to fontTools:
several times slower, and the PDF's bytes differ. The build warns about the fallback and
records the subsetter in the manifest; the up-to-date key of each format whose traits say it
subsets fonts (the poster's) includes it.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache

PACKAGE = "libharfbuzz-subset0"
# The file names WeasyPrint tries that the dynamic loader resolves directly (Linux, macOS, Windows).
_LIBRARY_NAMES = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
FALLBACK_WARNING = (
    f"warning: {PACKAGE} (HarfBuzz's font subsetter) is not installed, so WeasyPrint subsets the poster's "
    f"fonts with fontTools: slower, and the PDF's bytes differ from a build where it is installed; "
    f"install it (Debian/Ubuntu: apt-get install {PACKAGE})"
)


@cache
def available() -> str:
    """Return the subsetter WeasyPrint will use, without importing WeasyPrint: 'harfbuzz' or 'fonttools'."""
    for name in _LIBRARY_NAMES:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return "harfbuzz"
    return "fonttools"


def used() -> str | None:
    """Return the subsetter the WeasyPrint loaded in this process uses, or None if it is not loaded."""
    ffi = sys.modules.get("weasyprint.text.ffi")
    if ffi is None:
        return None
    return "harfbuzz" if getattr(ffi, "harfbuzz_subset", None) is not None else "fonttools"


def warn_on_fallback(subsetting: bool, progress: Callable[[str], None], subsetter: str | None = None) -> None:
    """Report the fontTools fallback if `subsetting` (a rendered format subsets fonts; `subsetter`: the one it used)."""
    if subsetting and (subsetter or used()) == "fonttools":
        progress(FALLBACK_WARNING)

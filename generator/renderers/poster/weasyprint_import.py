"""Import WeasyPrint without the dead-end library searches that cost a fifth of a second.

WeasyPrint loads each native library (GLib, Pango, HarfBuzz, fontconfig) through cffi,
trying several names per library, most of which name no file on Linux. For every such
name cffi asks `ctypes.util.find_library`, which on Linux forks `ldconfig`, then `gcc` and
`ld`: about 20 fruitless searches, 0.15-0.25 s. On Linux `find_library` only ever returns a
bare soname for the dynamic loader to open, and WeasyPrint's list of names ends with
each library's real soname (`libpango-1.0.so.0`), which cffi opens directly. So while
WeasyPrint's loader runs, and only then, the search is answered "not found" and the
loader reaches the soname at once. If the import fails that way, it is retried unchanged.
Other platforms, and a process with other threads running, import WeasyPrint as it is.
"""

from __future__ import annotations

import ctypes.util
import sys
import threading


def import_weasyprint() -> None:
    """Import weasyprint (once per process), skipping the futile library searches where that is safe."""
    if "weasyprint" in sys.modules:
        return
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        search = ctypes.util.find_library
        ctypes.util.find_library = _not_found
        try:
            import weasyprint.text.ffi  # the module that loads the libraries
        except OSError:
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
        finally:
            ctypes.util.find_library = search
    import weasyprint  # noqa: F401


def _not_found(name: str) -> None:
    return None

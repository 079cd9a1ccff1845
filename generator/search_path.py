"""One ordered search path for templates and assets, with the one containment rule.

Like mkdocs' `Theme.dirs`: the organisation's override folders come first and the
project's `templates/` last; `!default/NAME` skips the overrides. The same object
serves the Jinja loader, the Word template and the poster's file fetcher, and every
file it hands out went through `generator.trust` (no symlink, hard link, special
file or path leaving its folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator import trust

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_PREFIX = "!default/"
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # a Word template with images; text templates are far smaller


class TemplateOutsideError(jinja2.TemplateError):
    """A template path leaves its folder (a symlink, a hard link or `..`): refused, never read."""


@dataclass(frozen=True)
class SearchPath:
    """Template folders in search order, and the organisation folders assets may come from."""

    overrides: tuple[Path, ...] = ()  # untrusted template folders, searched before the defaults
    assets: tuple[Path, ...] = ()  # untrusted folders holding logos and fonts (the profile folder)

    @property
    def roots(self) -> tuple[Path, ...]:
        return (*self.overrides, TEMPLATES_DIR)

    def trusted(self, root: Path) -> bool:
        return root == TEMPLATES_DIR

    def find(self, name: str) -> Path:
        """Return the first file `name` along the path; `!default/NAME` looks in the defaults only."""
        return self._locate(name)[1]

    def read(self, name: str) -> tuple[Path, bytes]:
        """Find `name` and read it through the trust boundary."""
        root, path = self._locate(name)
        try:
            return path, trust.read_file(path, MAX_TEMPLATE_BYTES, trusted=self.trusted(root))
        except trust.Refused as exc:
            raise TemplateOutsideError(str(exc)) from None

    def read_absolute(self, path: Path, max_bytes: int) -> bytes:
        """Read an absolute path inside a root or asset folder (the poster's files), checked as given."""
        for root in (*self.roots, *self.assets):
            relative = trust.within(path, root)
            if relative is None:
                continue
            try:
                return trust.read_inside(root, relative, max_bytes, trusted=self.trusted(root))
            except trust.Refused as exc:
                raise TemplateOutsideError(str(exc)) from None
        raise TemplateOutsideError(f"{path} is outside the allowed folders")

    def loader(self) -> jinja2.BaseLoader:
        return _Loader(self)

    def _locate(self, name: str) -> tuple[Path, Path]:
        """Return the root holding `name` first, and the file's path."""
        roots = self.roots
        if name.startswith(DEFAULT_PREFIX):
            name, roots = name[len(DEFAULT_PREFIX) :], (TEMPLATES_DIR,)
        for root in roots:
            path = self._candidate(root, name)
            if path is not None:
                return root, path
        raise FileNotFoundError(f"template {name} not found in {', '.join(str(r) for r in roots)}")

    def _candidate(self, root: Path, name: str) -> Path | None:
        try:
            path = trust.contained(root, name)
        except FileNotFoundError:
            return None
        except trust.Refused as exc:
            raise TemplateOutsideError(f"template {name} in {root}: {exc}") from None
        return None if path.is_dir() else path


class _Loader(jinja2.BaseLoader):
    """Jinja loader over a search path: every source read through the trust boundary."""

    def __init__(self, search_path: SearchPath):
        self.search_path = search_path

    def get_source(self, environment, template):
        try:
            path, data = self.search_path.read(template)
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateOutsideError(f"{path} is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
        return source, str(path), lambda: True

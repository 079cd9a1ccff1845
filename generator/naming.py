"""How an edition's files are named where they go: in a build folder, or in a release (versioned names).

Decided here once, before rendering, so what one file says about another (the OSCAL component's
catalog href, the Markdown pages' and the workbook's mentions of the CSV, the bundle's README)
names the file as it is in that folder or zip; a release renders with release names instead of
renaming files after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.renderers.traits import Output


@dataclass(frozen=True)
class Naming:
    prefix: str  # the edition's file prefix
    version: str | None = None  # a release's version (release.release_version); None in a build folder

    @property
    def bundle(self) -> str:
        """The release's name: its zip, its folder inside the zip and the checksum file beside it."""
        return f"{self.prefix}-{self.version}"

    def file(self, output: Output) -> str:
        """Return the output's path: in a release every top-level file carries the prefix and the version."""
        if "/" in output.stem:
            return output.stem
        if self.version is not None:
            return f"{self.bundle}-{output.stem}"
        return f"{self.prefix}-{output.stem}" if output.prefixed else output.stem

"""The interactive explorer: one self-contained HTML page that works opened from disk, with no network.

The page's stylesheet and script are rendered from overridable templates and inlined; the model
goes in as JSON inside a `<script type="application/json">`, escaped so no text can end it, and
the script builds every element from it with `textContent`. A Content-Security-Policy with the
hashes of exactly that stylesheet and script forbids every other script, style and request.
"""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext, write_text
from generator.renderers.explorer.page import render_page
from generator.renderers.traits import Output, Traits

EXPLORER_HTML = Output(
    "explorer.html",
    "the interactive explorer: filter the matrix, open a cell, list what you own, export CSV; one page that "
    "works offline",
    "everyone",
    beside=True,
)


class Explorer:
    name = "explorer"
    description = "<prefix>-explorer.html: the interactive explorer, one self-contained page"
    traits = Traits(outputs=(EXPLORER_HTML,), templates=("explorer",))

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        return [write_text(out_dir, ctx.file(EXPLORER_HTML), render_page(ctx))]

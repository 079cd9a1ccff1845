"""The CISO Assistant files of an edition: the library workbook and the library YAML."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext, write_text
from generator.renderers.ciso_assistant import LIBRARY_XLSX, LIBRARY_YAML
from generator.renderers.ciso_assistant.library import build_library
from generator.renderers.ciso_assistant.workbook import library_workbook
from generator.renderers.ciso_assistant.yaml_library import library_yaml
from generator.renderers.raci_workbook.style import workbook_bytes


def render_library(ctx: RenderContext, out_dir: Path) -> list[Path]:
    """Write the edition's CISO Assistant library workbook and YAML into `out_dir`; return their relative paths."""
    library = build_library(ctx.framework, ctx.branding)
    workbook = Path(ctx.file(LIBRARY_XLSX))
    (out_dir / workbook).write_bytes(workbook_bytes(library_workbook(library), ctx.build_time))
    return [workbook, write_text(out_dir, ctx.file(LIBRARY_YAML), library_yaml(library))]

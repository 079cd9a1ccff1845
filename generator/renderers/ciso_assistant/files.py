"""The CISO Assistant renderer: the library workbook and the library YAML of this edition."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext, write_text
from generator.renderers.ciso_assistant.library import build_library
from generator.renderers.ciso_assistant.workbook import library_workbook
from generator.renderers.ciso_assistant.yaml_library import library_yaml
from generator.renderers.raci_workbook.style import workbook_bytes


class CisoAssistant:
    name = "ciso"
    description = "<prefix>-ciso-assistant.xlsx and .yaml: a CISO Assistant framework library"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        library = build_library(ctx.framework, ctx.branding)
        prefix = ctx.branding.file_prefix
        workbook = Path(f"{prefix}-ciso-assistant.xlsx")
        (out_dir / workbook).write_bytes(workbook_bytes(library_workbook(library), ctx.build_time))
        return [workbook, write_text(out_dir, f"{prefix}-ciso-assistant.yaml", library_yaml(library))]

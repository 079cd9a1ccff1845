"""CISO Assistant (an open-source GRC platform): the framework as its library workbook and library YAML."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext


class CisoAssistant:
    name = "ciso"
    description = "<prefix>-ciso-assistant.xlsx and .yaml: a CISO Assistant framework library"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        from generator.renderers.ciso_assistant.files import render_library  # openpyxl: only when rendering

        return render_library(ctx, out_dir)

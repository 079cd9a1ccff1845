"""CISO Assistant (an open-source GRC platform): the framework as its library workbook and library YAML."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext
from generator.renderers.traits import Output, Traits

LIBRARY_XLSX = Output(
    "ciso-assistant.xlsx",
    "the framework as a CISO Assistant library workbook, the input of its `convert_library_v2.py`",
    "CISO Assistant administrators",
)
LIBRARY_YAML = Output(
    "ciso-assistant.yaml",
    "the same CISO Assistant framework library as YAML, to import and audit by deployment model",
    "CISO Assistant users",
)


class CisoAssistant:
    name = "ciso"
    description = "<prefix>-ciso-assistant.xlsx and .yaml: a CISO Assistant framework library"
    traits = Traits(outputs=(LIBRARY_XLSX, LIBRARY_YAML), templates=(), libraries=("openpyxl",))

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        from generator.renderers.ciso_assistant.files import render_library  # openpyxl: only when rendering

        return render_library(ctx, out_dir)

"""The Excel RACI workbook: its sheets and tables (workbook) and how they are styled and written (style)."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext
from generator.renderers.traits import Output, Traits

RACI_XLSX = Output(
    "raci.xlsx",
    "the RACI workbook: matrix, long table, RACI, party RACI and changes as named Excel Tables",
    "GRC analysts",
    beside=True,
)


class RaciWorkbook:
    name = "xlsx"
    description = "<prefix>-raci.xlsx: matrix, long table, RACI and party RACI for GRC tools"
    traits = Traits(outputs=(RACI_XLSX,), templates=(), libraries=("openpyxl",))

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        from generator.renderers.raci_workbook.workbook import render_workbook  # openpyxl: only when rendering

        return render_workbook(ctx, out_dir)

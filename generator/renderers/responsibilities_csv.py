"""One row per matrix cell, for spreadsheets and scripts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from generator.renderers.base import RenderContext, write_text

COLUMNS = (
    "cell_id",
    "model_id",
    "model_name",
    "domain_id",
    "domain_number",
    "domain_name",
    "level",
    "critical_focus",
)


class ResponsibilitiesCsv:
    name = "csv"
    description = "responsibilities.csv: one row per cell"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        fw = ctx.framework
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for cell in fw.cells:
            dm, domain = fw.model(cell.model_id), fw.domain(cell.domain_id)
            writer.writerow(
                [
                    cell.id,
                    dm.id,
                    dm.name,
                    domain.id,
                    domain.number,
                    domain.name,
                    fw.level(cell.level_id).label,
                    "Yes" if cell.critical else "No",
                ]
            )
        return [write_text(out_dir, "responsibilities.csv", buffer.getvalue())]

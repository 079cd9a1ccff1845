"""The long table, one row per matrix cell, as CSV for spreadsheets, GRC registers and scripts.

Same columns and rows as the workbook's Responsibilities sheet (`tables.responsibility_rows`).
Written as UTF-8 with a byte order mark and CRLF line ends: without the BOM, Excel on
Windows reads a double-clicked CSV in the local ANSI code page and garbles any non-ASCII
text (accented names, typographic quotes and dashes an edition may add); Python (`utf-8-sig`), pandas, LibreOffice and
Google Sheets all read the BOM correctly. Text that a spreadsheet would take for a formula
is prefixed with `'` (see `cell_text.csv_value`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from generator.renderers.base import RenderContext, write_text
from generator.renderers.cell_text import csv_value
from generator.renderers.traits import Output, Traits
from generator.tables import responsibility_columns, responsibility_rows

BOM = "\ufeff"
CSV = Output(
    "responsibilities.csv",
    "one row per deployment model x security domain with stable ids (UTF-8 with BOM)",
    "GRC registers",
    prefixed=False,
    beside=True,
)


class ResponsibilitiesCsv:
    name = "csv"
    description = "responsibilities.csv: one row per cell (UTF-8 with BOM)"
    traits = Traits(outputs=(CSV,), templates=())

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        columns = responsibility_columns(ctx.framework)
        writer.writerow(columns)
        for row in responsibility_rows(ctx.framework):
            writer.writerow([csv_value(row[column]) for column in columns])
        return [write_text(out_dir, ctx.file(CSV), BOM + buffer.getvalue())]

"""The library workbook in the layout CISO Assistant's `convert_library_v2.py` reads.

`<object>_meta` sheets are key/value pairs without a header; `<object>_content` sheets have one
header row. Every cell goes through the RACI workbook's formula-safe writer.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from generator.renderers.ciso_assistant.library import (
    CONTENT_COLUMNS,
    FRAMEWORK_PREFIX,
    GROUP_COLUMNS,
    GROUPS_PREFIX,
    Library,
)
from generator.renderers.raci_workbook.style import WRAP, font, put, style

WIDTHS = {"description": 70, "annotation": 70, "name": 36, "ref_id": 36}


def library_workbook(library: Library) -> Workbook:
    wb = Workbook()
    meta = wb.active
    meta.title = "library_meta"
    _pairs(meta, library.meta)
    _pairs(wb.create_sheet(f"{FRAMEWORK_PREFIX}_meta"), library.framework_meta)
    rows = [
        [
            "x" if n.assessable else None,
            n.depth,
            n.ref_id,
            n.name,
            n.description,
            n.annotation,
            n.importance or None,
            ",".join(n.groups) or None,
        ]
        for n in library.nodes
    ]
    _table(wb.create_sheet(f"{FRAMEWORK_PREFIX}_content"), CONTENT_COLUMNS, rows)
    _pairs(wb.create_sheet(f"{GROUPS_PREFIX}_meta"), (("type", "implementation_groups"), ("name", GROUPS_PREFIX)))
    _table(wb.create_sheet(f"{GROUPS_PREFIX}_content"), GROUP_COLUMNS, [list(g) for g in library.groups])
    return wb


def _pairs(ws: Worksheet, pairs) -> None:
    for r, (key, value) in enumerate(pairs, 1):
        style(put(ws, r, 1, key), font=font(bold=True))
        style(put(ws, r, 2, value), alignment=WRAP)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 100


def _table(ws: Worksheet, headers, rows) -> None:
    for c, heading in enumerate(headers, 1):
        style(put(ws, 1, c, heading), font=font(bold=True))
        ws.column_dimensions[ws.cell(1, c).column_letter].width = WIDTHS.get(heading, 14)
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            if value is not None:
                style(put(ws, r, c, value), alignment=WRAP)
    ws.freeze_panes = "A2"

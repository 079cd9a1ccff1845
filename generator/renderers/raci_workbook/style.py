"""Workbook helpers: the one cell writer, styles, flat tables, printing and reproducible bytes."""

from __future__ import annotations

import io
import math
import re
import textwrap
import zipfile
from collections.abc import Sequence
from copy import copy
from datetime import UTC, datetime
from functools import cache
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from generator.ooxml import normalise_zip
from generator.org.branding import PAPER_SIZES_MM, Branding, LevelColours
from generator.renderers.cell_text import formula_like, safe_cell_text

WHITE, BLACK = "#FFFFFF", "#000000"
FONT_NAME = "Calibri"
MIN_WIDTH, MAX_WIDTH = 8, 60
LINE_HEIGHT = 15  # points per line of 11 pt text
CHARS_PER_WIDTH = 1.0  # prose characters per unit of column width (one "0"); errs towards taller rows
DEFAULT_WIDTH = 8.43
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
CENTRE = Alignment(horizontal="center", vertical="top")
LETTER_WIDTH = 16
THIN = Side(style="thin", color="FFBFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAVY = Side(style="thick", color="FF000000")
FRAME = Border(left=HEAVY, right=HEAVY, top=HEAVY, bottom=HEAVY)
# Points per unit of column width (one digit of the default font, Calibri 11), in the widest client:
# LibreOffice without Calibri or its metric twin Carlito draws it in DejaVu Sans, 7 pt a digit (Excel: 5.25).
DIGIT_POINTS = 7.0
MIN_PRINTED_PT = 8  # the smallest text size a printed sheet may have
NARROW_MARGINS = PageMargins(left=0.25, right=0.25, top=0.75, bottom=0.75, header=0.3, footer=0.3)  # Excel's "Narrow"
PAPER_CODES = {"A4": 9, "Letter": 1}  # SpreadsheetML paperSize codes


def put(ws: Worksheet, row: int, column: int, value: str | int | None) -> Cell:
    """Write one value: the only way the workbook writes a cell, so no text can become a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = safe_cell_text(value)
        cell.data_type = "s"  # openpyxl would store "=..." as a formula and "#N/A" as an error
        if formula_like(cell.value):
            cell.quotePrefix = True  # Excel keeps it text when someone edits the cell
    else:
        cell.value = value
    return cell


# Per sheet: the text each formula cell shows before a spreadsheet computes it (coordinate -> text).
_CACHED: WeakKeyDictionary[Worksheet, dict[str, str]] = WeakKeyDictionary()


def put_formula(ws: Worksheet, row: int, column: int, formula: str, shows: str) -> Cell:
    """Write a formula and the text it computes to, which viewers that do not compute show."""
    cell = ws.cell(row=row, column=column)
    cell.value = formula
    cell.data_type = "f"
    _CACHED.setdefault(ws, {})[cell.coordinate] = shows
    return cell


def _with_cached(xml: bytes, cached: dict[str, str]) -> bytes:
    """Give each formula cell in `cached` its text result (t="str"): openpyxl writes an empty <v>."""

    def fill_in(match: re.Match[bytes]) -> bytes:
        text = escape(cached[match[2].decode()]).encode()
        return match[1] + b' t="str"><f>' + match[3] + b"</f><v>" + text + b"</v></c>"

    pattern = (
        rb'(<c r="(' + b"|".join(c.encode() for c in cached) + rb')"(?: s="\d+")?)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>'
    )
    out, count = re.subn(pattern, fill_in, xml)
    if count != len(cached):
        raise ValueError(f"cached formula results: {count} cells written, {len(cached)} expected")
    return out


# Per workbook: (a cell's style array, the style objects set) -> (the array they make, the objects).
_STYLED: WeakKeyDictionary[Workbook, dict[tuple, tuple]] = WeakKeyDictionary()


def style(
    cell: Cell,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    border: Border | None = None,
    alignment: Alignment | None = None,
) -> Cell:
    """Set the given styles of a cell; return the cell.

    openpyxl hashes a style object on every assignment to find its number in the workbook. Here a
    change already made to a cell in the same state is copied instead, its objects known by identity,
    so they must never change once used (this module makes each one once). A change not seen before
    is made by openpyxl, which numbers new objects in the order they first appear, as it would
    without this cache: styles.xml depends on that order.
    """
    seen = _STYLED.setdefault(cell.parent.parent, {})
    key = (tuple(cell._style or ()), id(font), id(fill), id(border), id(alignment))  # None: never styled
    known = seen.get(key)
    if known is None:
        for name, value in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment)):
            if value is not None:
                setattr(cell, name, value)
        known = seen[key] = (copy(cell._style), (font, fill, border, alignment))  # the objects keep their ids
    cell._style = copy(known[0])  # a cell's own array: openpyxl changes it in place
    return cell


def argb(colour: str) -> str:
    """Turn #RRGGBB into the opaque ARGB that OOXML expects."""
    return "FF" + colour.lstrip("#").upper()


@cache  # one object per colour, so that style() recognises it
def fill(colour: str) -> PatternFill:
    """Return a solid fill of a #RRGGBB colour."""
    return PatternFill(fill_type="solid", start_color=argb(colour))


@cache  # one object per font, so that style() recognises it
def font(colour: str = BLACK, bold: bool = False, size: int = 11, underline: str | None = None) -> Font:
    """Return the workbook's font (Office's default face: the file embeds no fonts) in a colour."""
    return Font(name=FONT_NAME, size=size, bold=bold, underline=underline, color=argb(colour))


def paint_level(cell: Cell, colours: LevelColours) -> None:
    """Colour a cell as its responsibility level."""
    style(cell, font=font(colours.text, bold=True), fill=fill(colours.fill), border=GRID)


def mark_critical(cell: Cell, colours: LevelColours) -> None:
    """Mark a painted matrix cell as a critical focus area: underlined text in a heavy border (no colour needed)."""
    style(cell, font=font(colours.text, bold=True, underline="single"), border=FRAME)


def header(ws: Worksheet, headers: Sequence[str], branding: Branding) -> None:
    """Write the header row (row 1) in the edition's primary colour."""
    for column, text in enumerate(headers, 1):
        style(put(ws, 1, column, text), font=font(WHITE, bold=True), fill=fill(branding.primary), alignment=WRAP)


def flat_table(
    ws: Worksheet,
    name: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str | int]],
    branding: Branding,
    wrap: Sequence[str] = (),
    letters: Sequence[str] = (),
    keys: int = 1,
) -> None:
    """Write one header row and plain rows as a named Excel Table with autofilter and a frozen header.

    Columns named in `wrap` wrap their text; those in `letters` hold short codes, centred in narrow columns.
    The first `keys` columns identify a row: a printout repeats them on every page, with the header row.
    """
    folded = [h.casefold() for h in headers]
    if len(set(folded)) != len(folded):
        raise ValueError(f"sheet {ws.title}: column headings must be unique (Excel ignores case): {list(headers)}")
    header(ws, headers, branding)
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            alignment = WRAP if headers[c - 1] in wrap else CENTRE if headers[c - 1] in letters else TOP
            style(put(ws, r, c, value), alignment=alignment)
    ref = f"A1:{get_column_letter(len(headers))}{max(len(rows), 1) + 1}"
    stripes = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(Table(displayName=name, ref=ref, tableStyleInfo=stripes))
    ws.freeze_panes = "A2"
    fit_widths(ws, [headers, *rows])
    for c, heading in enumerate(headers, 1):
        if heading in letters:
            ws.column_dimensions[get_column_letter(c)].width = LETTER_WIDTH
    fit_heights(ws)
    printable(ws, title_rows="1:1", title_columns=keys)


def section(ws: Worksheet, row: int, title: str, pairs: Sequence[tuple[str, str]], colour: str) -> int:
    """Write a heading and label/value rows from `row`; return the next free row after a gap."""
    style(put(ws, row, 1, title), font=font(colour, bold=True, size=12))
    for r, (label, value) in enumerate(pairs, row + 1):
        style(put(ws, r, 1, label), font=font(bold=True), alignment=TOP)
        style(put(ws, r, 2, value), alignment=WRAP)
    return row + len(pairs) + 2


def add_logo(ws: Worksheet, raster: bytes, anchor: str, max_height: int = 60) -> None:
    """Place a PNG or JPEG image at `anchor`, scaled down to at most `max_height` pixels high."""
    from openpyxl.drawing.image import Image  # needs Pillow, so imported only when there is a logo

    image = Image(io.BytesIO(raster))
    scale = min(1.0, max_height / image.height)
    image.width, image.height = round(image.width * scale), round(image.height * scale)
    ws.add_image(image, anchor)


def fit_widths(ws: Worksheet, rows: Sequence[Sequence[object]]) -> None:
    """Size each column to its longest value, within MIN_WIDTH and MAX_WIDTH (longer text wraps)."""
    for column, values in enumerate(zip(*rows, strict=True), 1):
        longest = max(len(str(v)) for v in values if v is not None)
        ws.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


def fit_heights(ws: Worksheet) -> None:
    """Make each row tall enough for its wrapped text: LibreOffice keeps the default height otherwise."""
    per_line = {column_index_from_string(c): _per_line(dim.width) for c, dim in ws.column_dimensions.items()}
    unsized = _per_line(None)
    counted: dict[tuple[str, int], int] = {}  # the long tables repeat their names
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            if isinstance(text := cell.value, str):
                width = per_line.get(cell.column, unsized)
                if not _one_line(text, width) and cell.alignment.wrap_text:
                    if (text, width) not in counted:
                        counted[text, width] = _lines(text, width)
                    lines = max(lines, counted[text, width])
        if lines > 1:
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT * lines


def _per_line(width: float | None) -> int:
    """Return how many characters of prose fit on a line of a column (None: of the default width)."""
    return max(int(((width or DEFAULT_WIDTH) - 1) * CHARS_PER_WIDTH), 1)


def _one_line(text: str, per_line: int) -> bool:
    """Tell whether a text fits on one line, as textwrap measures it (a tab expands to up to 8 spaces)."""
    return "\n" not in text and len(text.expandtabs()) <= per_line


def _lines(text: str, per_line: int) -> int:
    """Estimate the lines a text wraps to, `per_line` characters to a line."""
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in text.split("\n"))


def column_range(column: int, first_row: int, last_row: int) -> str:
    letter = get_column_letter(column)
    return f"{letter}{first_row}:{letter}{last_row}"


def validate(ws: Worksheet, list_name: str, ranges: Sequence[str]) -> None:
    """Admit only the values of a defined name (a list on the Lists sheet) in the given ranges."""
    rule = DataValidation(
        type="list",
        formula1=list_name,  # no "=": Excel and LibreOffice write it so, gnumeric rejects "=Name"
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not an allowed value",
        error=f"Choose a value from the list {list_name} (hidden sheet Lists).",
    )
    for ref in ranges:
        rule.add(ref)
    ws.add_data_validation(rule)


def printable(ws: Worksheet, title_rows: str | None, title_columns: int = 0) -> None:
    """Print landscape, repeating the title rows (and the leading columns) on every page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    if title_rows:
        ws.print_title_rows = title_rows
    if title_columns:
        ws.print_title_cols = f"A:{get_column_letter(title_columns)}"


def print_layout(ws: Worksheet, paper: str) -> None:
    """Print on the edition's paper, one page wide where the text stays legible, otherwise pages across.

    Fit to width shrinks a wide sheet below any readable size (the long tables to under 3 pt), so a sheet
    fits to one page wide only where the scale that takes keeps its smallest text at MIN_PRINTED_PT or more;
    a wider sheet prints at the smallest legible scale, left to right then down, its title rows and key
    columns (printable) repeated on every page.
    """
    ws.page_setup.paperSize = PAPER_CODES[paper]
    ws.page_margins = copy(NARROW_MARGINS)
    legible = MIN_PRINTED_PT / smallest_font(ws)
    if math.floor(fit_to_width_scale(ws, paper) * 100) >= math.ceil(legible * 100):  # clients scale in whole %
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = math.ceil(legible * 100)
        ws.page_setup.pageOrder = "overThenDown"


def fit_to_width_scale(ws: Worksheet, paper: str) -> float:
    """Return the scale (1 = 100 %) that fits the sheet's columns to the printable width of one page."""
    width_mm, height_mm = PAPER_SIZES_MM[paper]
    across = max(width_mm, height_mm) if ws.page_setup.orientation == ws.ORIENTATION_LANDSCAPE else width_mm
    printable_pt = across / 25.4 * 72 - 2 * 72 * ws.page_margins.left
    last = range_boundaries(ws.print_area.split("!")[-1])[2] if ws.print_area else ws.max_column
    return min(1.0, printable_pt / sum(column_points(ws, c) for c in range(1, last + 1)))


def column_points(ws: Worksheet, column: int) -> float:
    """Return a column's printed width in points at 100 %, in the client that draws it widest."""
    dimension = ws.column_dimensions.get(get_column_letter(column))
    return (dimension.width if dimension is not None and dimension.customWidth else DEFAULT_WIDTH) * DIGIT_POINTS


def smallest_font(ws: Worksheet) -> float:
    """Return the smallest font size (points) of the sheet's filled cells."""
    # By the cells' font ids, not `cell.font`, which builds a style proxy per cell (a tenth of the workbook's time).
    font_ids = {cell._style.fontId for cell in ws._cells.values() if cell.value is not None}
    return min(ws.parent._fonts[font_id].sz or 11 for font_id in font_ids)


def workbook_bytes(wb: Workbook, when: datetime) -> bytes:
    """Return the saved workbook, dated `when` inside and out, so equal inputs give equal bytes."""
    stamp = when.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = stamp
    wb.security = None  # openpyxl would write an empty <workbookProtection/>, which protects nothing
    buffer = io.BytesIO()
    # Our writer, not save(): save() would overwrite `modified` with the clock.
    # Stored, not deflated: normalise_zip deflates every entry anyway.
    _Writer(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED)).save()
    return normalise_zip(buffer.getvalue(), when)


class _Writer(ExcelWriter):
    """openpyxl's workbook writer, each sheet's XML kept in memory instead of a temporary file."""

    def write_worksheet(self, ws: Worksheet) -> None:
        # openpyxl 3.1's own method for a workbook that is not write-only, but for its temporary
        # file per sheet (made, read back, removed), which took longer than writing a small sheet.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        xml = writer.read()
        self._archive.writestr(ws.path[1:], _with_cached(xml, _CACHED[ws]) if ws in _CACHED else xml)
        self.manifest.append(ws)

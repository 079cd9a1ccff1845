"""Write styled paragraphs and tables into a Word document at a placeholder paragraph.

Content takes its look from the document's styles (headings, List Bullet, the table
style); the only direct formatting is what no style can express per value: column
widths, rotated header cells and the fill of a responsibility cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from generator.ooxml import xml_safe

# A run: plain text, or (text, character style name).
Run = str | tuple[str, str]

# Children of w:tcPr and w:trPr that must follow the ones added here (ECMA-376 order).
_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_AFTER_TEXT_DIRECTION = ("w:tcFitText", "w:vAlign", "w:hideMark")
_AFTER_CANT_SPLIT = (
    "w:trHeight",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:hidden",
    "w:ins",
    "w:del",
    "w:trPrChange",
)
_AFTER_TBL_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange")
STRONG = "Strong"
BULLET = "List Bullet"
DEFAULT_TEXT_WIDTH = Cm(16)


def strong(text: str) -> tuple[str, str]:
    """Return a run in the Strong character style."""
    return (text, STRONG)


class Writer:
    """Insert content before an anchor paragraph, which is removed by `finish`."""

    def __init__(self, document: Document, anchor: Paragraph, table_style: str):
        self.document = document
        self.anchor = anchor
        self.table_style = table_style
        self._style_ids: dict[str, str] = {}

    def heading(self, text: str, level: int) -> Paragraph:
        return self.paragraph(text, style=f"Heading {level}")

    def paragraph(self, *runs: Run, style: str | None = None) -> Paragraph:
        paragraph = self.anchor.insert_paragraph_before()
        if style:
            paragraph._p.style = self.style_id(style)
        for run in runs:
            text, char_style = (run, None) if isinstance(run, str) else run
            added = paragraph.add_run(xml_safe(text))
            if char_style:
                added._r.style = self.style_id(char_style)
        return paragraph

    def style_id(self, name: str) -> str:
        """Return a style's id by name, looked up once (python-docx searches every style on each use)."""
        if name not in self._style_ids:
            self._style_ids[name] = self.document.styles[name].style_id
        return self._style_ids[name]

    def bullets(self, items: Sequence[str]) -> None:
        for item in items:
            self.paragraph(item, style=BULLET)

    def bullet(self, *runs: Run) -> Paragraph:
        return self.paragraph(*runs, style=BULLET)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        weights: Sequence[float],
        rotated_header_cm: float = 0,
    ) -> Table:
        """Add a table across the text width, columns in proportion to `weights`, with a repeating header row.

        `rotated_header_cm` > 0 turns all but the first header cell upright in a header row that tall.
        """
        table = self.document.add_table(rows=1 + len(rows), cols=len(header))
        table._tbl.tblPr.style = self.style_id(self.table_style)
        table.autofit = False
        widths = [Emu(int(self.text_width * weight / sum(weights))) for weight in weights]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for row, values in zip(table.rows, [header, *rows], strict=True):
            for cell, value, width in zip(row.cells, values, widths, strict=True):
                cell.text = xml_safe(value)
                cell.width = width
        _keep_rows_whole(table)
        _repeat_header(table)
        if rotated_header_cm:
            _rotate_header(table, rotated_header_cm)
        self.anchor._p.addprevious(table._tbl)
        return table

    @property
    def text_width(self) -> int:
        """Return the width between the margins of the last section, in EMU."""
        section = self.document.sections[-1]
        width, left, right = section.page_width, section.left_margin, section.right_margin
        if width is None or left is None or right is None:
            return DEFAULT_TEXT_WIDTH
        return width - left - right

    def finish(self) -> None:
        """Remove the anchor paragraph."""
        self.anchor._p.getparent().remove(self.anchor._p)


def shade(cell: _Cell, fill: str, text: str) -> None:
    """Fill a cell with a #RRGGBB colour and colour its text to match."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#").upper())
    cell._tc.get_or_add_tcPr().insert_element_before(shd, *_AFTER_SHD)
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.font.color.rgb = RGBColor.from_string(text.lstrip("#").upper())


def _keep_rows_whole(table: Table) -> None:
    for row in table.rows:
        row._tr.get_or_add_trPr().insert_element_before(OxmlElement("w:cantSplit"), *_AFTER_CANT_SPLIT)


def _repeat_header(table: Table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.insert_element_before(OxmlElement("w:tblHeader"), *_AFTER_TBL_HEADER)


def _rotate_header(table: Table, height_cm: float) -> None:
    row = table.rows[0]
    row.height = Cm(height_cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for cell in row.cells[1:]:
        direction = OxmlElement("w:textDirection")
        direction.set(qn("w:val"), "btLr")
        cell._tc.get_or_add_tcPr().insert_element_before(direction, *_AFTER_TEXT_DIRECTION)

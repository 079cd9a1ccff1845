"""Write styled paragraphs and tables into a Word document at a placeholder paragraph.

Content takes its look from the document's styles (headings, List Bullet, the table
style); the only direct formatting is what no style can express per value: column
widths, rotated header cells and the fill of a responsibility cell.

The writer composes the body as WordprocessingML text, element for element and attribute
for attribute what python-docx's API builds, and parses it once, in `finish`: python-docx's
cell, run and property setters search the tree on every call, which made most of a render.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Emu, RGBColor
from docx.text.paragraph import Paragraph

from generator.ooxml import xml_safe

# A run: plain text, or (text, character style name).
Run = str | tuple[str, str]
STRONG = "Strong"
BULLET = "List Bullet"
DEFAULT_TEXT_WIDTH = Cm(16)
# What python-docx gives a new table (w:tblW, w:tblLook), with a style and fixed column widths.
_TABLE_PROPERTIES = (
    '<w:tblPr><w:tblStyle w:val={style}/><w:tblW w:type="auto" w:w="0"/><w:tblLayout w:type="fixed"/>'
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1"'
    ' w:val="04A0"/></w:tblPr>'
)
# In run text python-docx writes a tab as w:tab and each carriage return or line feed as w:br.
_TAB_OR_BREAK = re.compile(r"([\t\r\n])")
_SPECIAL = {"\t": "<w:tab/>", "\r": "<w:br/>", "\n": "<w:br/>"}


@dataclass(frozen=True)
class Shaded:
    """A table cell's text on a #RRGGBB fill, in a #RRGGBB text colour."""

    text: str
    fill: str
    colour: str


@dataclass(frozen=True)
class ShadedLines:
    """A table cell of several lines, each on its own fill (a level per party)."""

    lines: tuple[Shaded, ...]


# A table cell: plain text, shaded text, or lines of shaded text.
Cell = str | Shaded | ShadedLines


def strong(text: str) -> tuple[str, str]:
    """Return a run in the Strong character style."""
    return (text, STRONG)


class Writer:
    """Write content before an anchor paragraph; `finish` puts it in place of the anchor."""

    def __init__(self, document: Document, anchor: Paragraph, table_style: str):
        self.document = document
        self.anchor = anchor
        self.table_style = table_style
        self.text_width = _text_width(document)
        self._style_attrs: dict[str, str] = {}
        self._body: list[str] = []

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, style=f"Heading {level}")

    def paragraph(self, *runs: Run, style: str | None = None) -> None:
        properties = f"<w:pPr><w:pStyle w:val={self._style_attr(style)}/></w:pPr>" if style else ""
        self._body.append(f"<w:p>{properties}{''.join(self._run(run) for run in runs)}</w:p>")

    def bullets(self, items: Sequence[str]) -> None:
        for item in items:
            self.paragraph(item, style=BULLET)

    def bullet(self, *runs: Run) -> None:
        self.paragraph(*runs, style=BULLET)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        weights: Sequence[float],
        rotated_header_cm: float = 0,
    ) -> None:
        """Add a table across the text width, columns in proportion to `weights`, with a repeating header row.

        No row breaks across pages. `rotated_header_cm` > 0 turns all but the first header cell
        upright in a header row that tall.
        """
        total = sum(weights)
        widths = [Emu(int(self.text_width * weight / total)).twips for weight in weights]
        if min(widths) < 0:  # python-docx refused a negative width too
            raise ValueError(f"table {header[0]!r}: its columns are wider than the text ({widths} twips)")
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
        height = f'<w:trHeight w:val="{Cm(rotated_header_cm).twips}" w:hRule="atLeast"/>' if rotated_header_cm else ""
        head = "".join(
            _cell(text, width, upright=bool(rotated_header_cm) and n > 0)
            for n, (text, width) in enumerate(zip(header, widths, strict=True))
        )
        body = "".join(_row("<w:cantSplit/>", _cells(values, widths)) for values in rows)
        self._body.append(
            f"<w:tbl>{_TABLE_PROPERTIES.format(style=self._style_attr(self.table_style))}"
            f"<w:tblGrid>{grid}</w:tblGrid>{_row(f'<w:cantSplit/>{height}<w:tblHeader/>', head)}{body}</w:tbl>"
        )

    def finish(self) -> None:
        """Put what was written in place of the anchor paragraph."""
        written = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self._body)}</w:body>")
        anchor = self.anchor._p
        for element in list(written):
            anchor.addprevious(element)
        anchor.getparent().remove(anchor)

    def _style_attr(self, name: str) -> str:
        """Return a style's id by name as a quoted attribute value, looked up once (python-docx searches the styles)."""
        if name not in self._style_attrs:
            self._style_attrs[name] = quoteattr(self.document.styles[name].style_id)
        return self._style_attrs[name]

    def _run(self, run: Run) -> str:
        text, style = (run, None) if isinstance(run, str) else run
        return _run_xml(f"<w:rStyle w:val={self._style_attr(style)}/>" if style else "", text)


def _text_width(document: Document) -> int:
    """Return the width between the margins of the last section, in EMU."""
    section = document.sections[-1]
    width, left, right = section.page_width, section.left_margin, section.right_margin
    if width is None or left is None or right is None:
        return DEFAULT_TEXT_WIDTH
    return width - left - right


def _row(properties: str, cells: str) -> str:
    return f"<w:tr><w:trPr>{properties}</w:trPr>{cells}</w:tr>"


def _cells(values: Sequence[Cell], widths: Sequence[int]) -> str:
    return "".join(_cell(value, width) for value, width in zip(values, widths, strict=True))


def _cell(value: Cell, width: int, upright: bool = False) -> str:
    """Return a cell `width` twips wide holding one paragraph of one run (shaded, or its text turned upright),
    or a shaded paragraph per line."""
    properties = f'<w:tcW w:type="dxa" w:w="{width}"/>'
    if isinstance(value, ShadedLines):
        lines = "".join(f"<w:p><w:pPr>{_shading(line)}</w:pPr>{_shaded_run(line)}</w:p>" for line in value.lines)
        return f"<w:tc><w:tcPr>{properties}</w:tcPr>{lines}</w:tc>"
    if isinstance(value, Shaded):
        properties += _shading(value)
        run = _shaded_run(value)
    else:
        run = _run_xml("", value)
    if upright:
        properties += '<w:textDirection w:val="btLr"/>'
    return f"<w:tc><w:tcPr>{properties}</w:tcPr><w:p>{run}</w:p></w:tc>"


def _shading(value: Shaded) -> str:
    return f'<w:shd w:val="clear" w:color="auto" w:fill={quoteattr(value.fill.lstrip("#").upper())}/>'


def _shaded_run(value: Shaded) -> str:
    colour = RGBColor.from_string(value.colour.lstrip("#").upper())
    return _run_xml(f'<w:color w:val="{colour}"/>', value.text)


def _run_xml(properties: str, text: str) -> str:
    """Return a run with these run properties (none if empty) and text."""
    return f"<w:r>{f'<w:rPr>{properties}</w:rPr>' if properties else ''}{_run_content(xml_safe(text))}</w:r>"


def _run_content(text: str) -> str:
    """Return a run's content: text in w:t (xml:space="preserve" when it has outer white space), tabs, breaks."""
    content = []
    for piece in _TAB_OR_BREAK.split(text):
        if piece in _SPECIAL:
            content.append(_SPECIAL[piece])
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            content.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(content)

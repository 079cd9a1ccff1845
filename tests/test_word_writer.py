"""The policy pack's Writer: its WordprocessingML is what python-docx's own API builds, and its tables are whole."""

from __future__ import annotations

import docx
import pytest
from docx.document import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from generator.ooxml import xml_safe
from generator.org.branding import Branding
from generator.renderers.policy_pack.word_writer import Shaded, Writer, strong
from tests.test_policy_pack import FILE

TABLE_STYLE = "Light List Accent 1"
# Text python-docx writes specially: outer white space, tabs, line breaks, markup characters, nothing at all.
TRICKY = ["plain", " lead", "trail ", "  ", "a\tb", "one\ntwo\r\nthree\r", "\t", "", "& <b> \"q\" 'a'", "Ø😀", "x\x00y"]


def blank() -> tuple[Document, Paragraph]:
    doc = docx.Document()
    return doc, doc.add_paragraph("anchor")


def body_xml(doc: Document) -> bytes:
    return etree.tostring(doc.element.body)


def by_api(doc: Document, anchor: Paragraph, runs, header, rows, weights, rotated_cm) -> None:
    """Write a paragraph and a table with python-docx's API, as the Writer did before it wrote XML itself."""
    paragraph = anchor.insert_paragraph_before()
    paragraph._p.style = doc.styles["List Bullet"].style_id
    for text, style in runs:
        run = paragraph.add_run(xml_safe(text))
        if style:
            run._r.style = doc.styles[style].style_id
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table._tbl.tblPr.style = doc.styles[TABLE_STYLE].style_id
    table.autofit = False
    section = doc.sections[-1]
    text_width = section.page_width - section.left_margin - section.right_margin
    widths = [Emu(int(text_width * weight / sum(weights))) for weight in weights]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row, values in zip(table.rows, [header, *rows], strict=True):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.text = xml_safe(value.text if isinstance(value, Shaded) else value)
            cell.width = width
            if isinstance(value, Shaded):
                shd = OxmlElement("w:shd", {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): value.fill[1:]})
                cell._tc.tcPr.append(shd)
                cell.paragraphs[0].runs[0].font.color.rgb = RGBColor.from_string(value.colour[1:])
    head = table.rows[0]
    head._tr.trPr.append(OxmlElement("w:tblHeader"))
    head.height, head.height_rule = Cm(rotated_cm), WD_ROW_HEIGHT_RULE.AT_LEAST
    for cell in head.cells[1:]:
        cell._tc.tcPr.append(OxmlElement("w:textDirection", {qn("w:val"): "btLr"}))
    anchor._p.addprevious(table._tbl)
    anchor._p.getparent().remove(anchor._p)


@pytest.mark.parametrize("text", TRICKY)
def test_the_writer_writes_what_python_docx_writes(text):
    runs = [(text, None), (text, "Strong"), ("after", "Intense Emphasis")]
    header = ["Domain", text, "Level"]
    rows = [[text, Shaded(text, "#0063A0", "#FFFFFF"), "x"], ["", "y", Shaded("Shared", "#5FC3A6", "#000000")]]
    weights, rotated_cm = [4.8, 2.2, 3.4], 2.6
    expected, anchor = blank()
    by_api(expected, anchor, runs, header, rows, weights, rotated_cm)
    doc, anchor = blank()
    writer = Writer(doc, anchor, TABLE_STYLE)
    writer.bullet(*(run if style is None else (run, style) for run, style in runs))
    writer.table(header, rows, weights, rotated_header_cm=rotated_cm)
    writer.finish()
    assert body_xml(doc) == body_xml(expected)


def test_headings_bullets_and_strong_runs_take_their_styles():
    doc, anchor = blank()
    writer = Writer(doc, anchor, TABLE_STYLE)
    writer.heading("Title", 1)
    writer.bullets(["one", "two"])
    writer.paragraph(strong("Lead: "), "text")
    writer.finish()
    paragraphs = doc.paragraphs
    assert [(p.style.name, p.text) for p in paragraphs] == [
        ("Heading 1", "Title"),
        ("List Bullet", "one"),
        ("List Bullet", "two"),
        ("Normal", "Lead: text"),
    ]
    assert [r.style.name for r in paragraphs[3].runs] == ["Strong", "Default Paragraph Font"]


def test_a_table_wider_than_the_text_is_refused():
    doc, anchor = blank()
    with pytest.raises(ValueError, match="wider than the text"):
        Writer(doc, anchor, TABLE_STYLE).table(["a", "b"], [["1", "2"]], [-1.0, 17.0])


def test_every_table_keeps_rows_whole_fits_the_text_and_shades_level_cells(build_dir, framework):
    doc = docx.Document(build_dir / FILE)
    section = doc.sections[-1]
    text_width = (section.page_width - section.left_margin - section.right_margin) / 635  # twips
    fills = {c.fill[1:]: c.text[1:] for c in Branding().level_colours(framework.info.level_ids).values()}
    tables = doc.tables[1:]  # the cover's fact table is the template's own
    shaded = 0
    for table in tables:
        grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert abs(sum(grid) - text_width) <= len(grid)  # each column rounded to whole twips
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        for n, tr in enumerate(table._tbl.tr_lst):
            assert tr.trPr.find(qn("w:cantSplit")) is not None
            assert (tr.trPr.find(qn("w:tblHeader")) is not None) == (n == 0)
            assert [int(tc.tcPr.tcW.get(qn("w:w"))) for tc in tr.tc_lst] == grid
            for tc in tr.tc_lst:
                shd = tc.tcPr.find(qn("w:shd"))
                if shd is not None:
                    (colour,) = tc.iter(qn("w:color"))
                    assert fills[shd.get(qn("w:fill"))] == colour.get(qn("w:val"))
                    shaded += 1
    annexes, matrix = len(framework.models) * len(framework.domains), len(framework.cells)
    assert shaded == annexes + matrix
    rotated = [t for t in tables if t._tbl.tr_lst[0].tc_lst[1].tcPr.find(qn("w:textDirection")) is not None]
    assert len(rotated) == 2  # the RACI matrix and the full matrix: upright model and role names

"""Build templates/word/policy-pack.docx, the Word template of the policy pack.

Run after changing this script: `python templates/word/make_template.py`. The template
holds the styles, page setup, cover, header and footer; restyle it in Word as you like,
keeping the tags ({{ title }}, {{ organisation }}, ...) and the {{ body }} paragraph,
where the policy text goes (its wording is in word/policy.xml.j2). The tags the renderer
fills are listed in generator/renderers/policy_pack/document.py (cover_context) plus `logo`.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from generator.ooxml import normalise_zip
from generator.org.branding import Branding
from generator.renderers.policy_pack.document import TABLE_STYLE, apply_branding, drop_last_printed, set_settings
from generator.renderers.policy_pack.package import finish_package

TARGET = Path(__file__).with_name("policy-pack.docx")
STAMP = datetime(2025, 1, 1)
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.2)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
COVER_ROWS = (
    ("Framework", "{{ framework }}"),
    ("Document version", "{{ document_version }}"),
    ("Date", "{{ date }}"),
    ("Classification", "{{ classification }}"),
    ("Status", "{{ status }}"),
    ("Document owner", "{{ document_owner }}"),
)
# (style, size in points, space before, space after)
SIZES = (
    ("Title", 30, 96, 12),
    ("Subtitle", 16, 0, 24),
    ("Heading 1", 18, 0, 12),
    ("Heading 2", 14, 18, 6),
    ("Heading 3", 11, 12, 4),
    ("List Bullet", 10, 0, 3),
    ("Header", 8, 0, 0),
    ("Footer", 8, 0, 0),
)


def build() -> bytes:
    """Return the template's bytes (the same on every run)."""
    doc = docx.Document()
    _page(doc)
    _defaults(doc)
    _styles(doc)
    _cover(doc)
    _contents(doc)
    doc.add_paragraph("{{ body }}")
    _header_footer(doc)
    _properties(doc)
    set_settings(doc, embed_fonts=False)  # the renderer embeds the edition's font in each policy
    out = io.BytesIO()
    doc.save(out)
    package, deflated = finish_package(out.getvalue(), font=None)
    return normalise_zip(package, STAMP, deflated)


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.1)
    section.different_first_page_header_footer = True


def _styles(doc) -> None:
    styles = doc.styles
    for name, size, before, after in SIZES:
        style = styles[name]
        style.font.size = Pt(size)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "TOC Heading"):
        _inherit_font(styles[name])
    for name in ("Heading 1", "TOC Heading"):
        styles[name].paragraph_format.page_break_before = True
    styles["Caption"].paragraph_format.keep_with_next = True
    styles[TABLE_STYLE].font.size = Pt(9)
    for side in ("top", "bottom"):
        styles[TABLE_STYLE].element.find(f".//{qn('w:tblCellMar')}/{qn('w:' + side)}").set(qn("w:w"), "20")
    for name in ("Header", "Footer"):
        tabs = styles[name].paragraph_format.tab_stops
        tabs.clear_all()
        tabs.add_tab_stop(TEXT_WIDTH // 2, WD_TAB_ALIGNMENT.CENTER)
        tabs.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    for level in (1, 2, 3):
        toc = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH, builtin=True)
        toc.style_id = f"TOC{level}"
        toc.base_style = styles["Normal"]
        toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        toc.paragraph_format.space_after = Pt(2)
        toc.font.bold = level == 1
    _office_fonts_only(styles)
    apply_branding(doc, Branding())


def _office_fonts_only(styles) -> None:
    """Name Courier New where python-docx's default styles (Macro Text) name Courier, which Office lacks."""
    for fonts in styles.element.iter(qn("w:rFonts")):
        for attr, value in list(fonts.attrib.items()):
            if value == "Courier":
                fonts.set(attr, "Courier New")


def _defaults(doc) -> None:
    """Set the body text size, spacing and language as document defaults, so table styles can override them."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    defaults.find(f".//{qn('w:lang')}").set(qn("w:val"), "en-GB")
    for size in defaults.iter(qn("w:sz"), qn("w:szCs")):
        size.set(qn("w:val"), "20")
    spacing = defaults.find(f".//{qn('w:spacing')}")
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "264")


def _inherit_font(style) -> None:
    """Drop the style's theme fonts so it takes the Normal font."""
    fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
    if fonts is not None:
        style.element.rPr.remove(fonts)


def _cover(doc) -> None:
    doc.add_paragraph("{%p if logo %}")
    doc.add_paragraph("{{ logo }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{{ organisation }}", style="Subtitle")
    doc.add_paragraph("{{ subtitle }}")
    table = doc.add_table(rows=len(COVER_ROWS), cols=2)
    table.style = "Table Grid"
    table.autofit = False
    widths = (Cm(5), TEXT_WIDTH - Cm(5))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row, (label, tag) in zip(table.rows, COVER_ROWS, strict=True):
        row.cells[0].text, row.cells[1].text = label, tag
        row.cells[0].width, row.cells[1].width = widths


def _contents(doc) -> None:
    doc.add_paragraph("Contents", style="TOC Heading")
    toc = doc.add_paragraph(style="toc 1")
    # Top-level headings only: each starts a page, and the contents fit on one page.
    _field(toc, 'TOC \\o "1-1" \\h \\z \\u', "Open in Word to build the table of contents.")


def _header_footer(doc) -> None:
    section = doc.sections[0]
    # The space after the logo only where there is a logo: the header text never starts with a space.
    section.header.paragraphs[
        0
    ].text = "{{ header_logo }}{{ ' ' if header_logo else '' }}{{ title }}\t\t{{ classification }}"
    footer = section.footer.paragraphs[0]
    footer.text = "{{ organisation }}\tVersion {{ document_version }}, {{ date }}\tPage "
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")


def _field(paragraph, instruction: str, result: str) -> None:
    """Append a field (begin, instruction, separate, cached result, end) to a paragraph."""
    w = nsdecls("w")
    for xml in (
        f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {w}><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
        f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {w}><w:t xml:space="preserve">{result}</w:t></w:r>',
        f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))


def _properties(doc) -> None:
    props = doc.core_properties
    props.title = "AI Security Policy (template)"
    props.author = props.last_modified_by = "ai-srm-generator"
    props.comments = props.subject = props.keywords = props.category = ""
    props.revision = 1
    props.created = props.modified = STAMP
    drop_last_printed(doc)


def main() -> None:
    TARGET.write_bytes(build())
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()

"""Every colour and font of a policy built from the default Word template comes from the edition's branding.

python-docx's default template brings Word 2007's Office theme (Calibri, Cambria, accent blue
4F81BD) and some 160 styles that name it. For the default template this module gives the theme
the edition's colours and font, keeps only the styles the policy uses (and Heading 1-9, the
cover's and the contents' styles, with the styles they are based on or linked to), resolves every
theme colour and theme font in them to the edition's value, and makes the bullets and the font
table name the edition's font. Word still offers its other built-in styles, in these colours.
An organisation's own Word template is never passed here: it keeps its own look.
"""

from __future__ import annotations

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

from generator.org.branding import Branding

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
# Styles kept even when the body does not use them: what an editor reaches for first.
KEPT_STYLES = (
    *(f"heading {n}" for n in range(1, 10)),
    "Title",
    "Subtitle",
    "TOC Heading",
    "toc 1",
    "toc 2",
    "toc 3",
    "Caption",
    "List Bullet",
    "Strong",
    "Intense Emphasis",
    "header",
    "footer",
)
HEADINGS = (*(f"heading {n}" for n in range(1, 10)), "Title", "TOC Heading")  # in the primary colour
BULLET = "\u2022"
_SYMBOL_FONT_CHARS = range(0xF000, 0xF100)  # bullets drawn from the Symbol or Wingdings font


def theme_colours(branding: Branding, level_ids: tuple[str, ...]) -> dict[str, str]:
    """Return each theme colour slot (as WordprocessingML names it) as RRGGBB, from the branding."""
    primary, accent = branding.primary.lstrip("#").upper(), branding.accent.lstrip("#").upper()
    fills = [c.fill.lstrip("#").upper() for c in branding.level_colours(level_ids).values()]
    fills += [accent, primary, accent, primary][len(fills) :]
    black, white = "000000", "FFFFFF"
    return {
        "dark1": black,
        "text1": black,
        "light1": white,
        "background1": white,
        "dark2": primary,
        "text2": primary,
        "light2": white,
        "background2": white,
        "accent1": accent,
        "accent2": primary,
        **{f"accent{n}": fill for n, fill in enumerate(fills[:4], 3)},
        "hyperlink": accent,
        "followedHyperlink": primary,
    }


def brand_package(doc: Document, branding: Branding, level_ids: tuple[str, ...]) -> None:
    """Give the theme, styles, numbering and font table of a document from the default template the branding."""
    colours, font = theme_colours(branding, level_ids), branding.font_family
    _theme(doc, colours, font)
    _keep_used_styles(doc)
    _styles(doc, colours, font, branding.primary.lstrip("#").upper())
    _numbering(doc, font)
    _font_table(doc, font)


def _theme(doc: Document, colours: dict[str, str], font: str) -> None:
    part = doc.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    slots = {"dk1": "dark1", "lt1": "light1", "dk2": "dark2", "lt2": "light2", "hlink": "hyperlink"}
    slots |= {"folHlink": "followedHyperlink", **{f"accent{n}": f"accent{n}" for n in range(1, 7)}}
    for scheme in root.iter(f"{{{A}}}clrScheme"):
        scheme.set("name", "Edition")
        for slot in scheme:
            slot[:] = [etree.Element(f"{{{A}}}srgbClr", val=colours[slots[etree.QName(slot).localname]])]
    for scheme in root.iter(f"{{{A}}}fontScheme"):
        scheme.set("name", "Edition")
        for group in (*scheme.iter(f"{{{A}}}majorFont"), *scheme.iter(f"{{{A}}}minorFont")):
            group[:] = [
                etree.Element(f"{{{A}}}latin", typeface=font),
                etree.Element(f"{{{A}}}ea", typeface=""),
                etree.Element(f"{{{A}}}cs", typeface=""),
            ]
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _keep_used_styles(doc: Document) -> None:
    """Drop the styles nothing uses; keep the ones used, KEPT_STYLES, the defaults and what they build on."""
    styles = doc.styles.element
    parts = [doc.part.element, doc.part.numbering_part.element]
    parts += [rel.target_part.element for rel in doc.part.rels.values() if rel.reltype in (RT.HEADER, RT.FOOTER)]
    used = {
        ref.get(qn("w:val")) for part in parts for ref in part.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))
    }
    by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
    wanted = used | {i for i, s in by_id.items() if s.get(qn("w:default")) == "1"}
    wanted |= {i for i, s in by_id.items() if _name(s) in {k.lower() for k in KEPT_STYLES}}
    todo = list(wanted)
    while todo:
        style = by_id.get(todo.pop())
        for ref in () if style is None else style.iterchildren(qn("w:basedOn"), qn("w:link"), qn("w:next")):
            target = ref.get(qn("w:val"))
            if target not in wanted:
                wanted.add(target)
                todo.append(target)
    for style_id, style in by_id.items():
        if style_id not in wanted:
            styles.remove(style)


def _styles(doc: Document, colours: dict[str, str], font: str, primary: str) -> None:
    styles = doc.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
    for style in by_id.values():
        if _name(style) in {h.lower() for h in HEADINGS}:
            linked = style.find(qn("w:link"))
            for target in (style, by_id.get(linked.get(qn("w:val"))) if linked is not None else None):
                if target is not None:
                    _colour(target, primary)
    for element in styles.iter():
        _resolve(element, colours)
    for fonts in styles.iter(qn("w:rFonts")):
        _name_font(fonts, font)


def _resolve(element, colours: dict[str, str]) -> None:
    """Replace a theme colour (with its tint or shade) by the edition's value of that slot."""
    theme = element.get(qn("w:themeColor"))
    if theme is not None:
        if theme in colours:
            element.set(qn("w:val" if element.tag == qn("w:color") else "w:color"), colours[theme])
        for attr in ("w:themeColor", "w:themeTint", "w:themeShade"):
            element.attrib.pop(qn(attr), None)
    fill = element.get(qn("w:themeFill"))
    if fill is not None:
        if fill in colours:
            element.set(qn("w:fill"), colours[fill])
        for attr in ("w:themeFill", "w:themeFillTint", "w:themeFillShade"):
            element.attrib.pop(qn(attr), None)


def _colour(style, rgb: str) -> None:
    """Set a style's text colour (python-docx's order of run properties is kept by get_or_add)."""
    colour = style.get_or_add_rPr().get_or_add_color()
    colour.set(qn("w:val"), rgb)
    for attr in ("w:themeColor", "w:themeTint", "w:themeShade"):
        colour.attrib.pop(qn(attr), None)


def _name_font(fonts, font: str) -> None:
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)


def _numbering(doc: Document, font: str) -> None:
    """Bullets in the edition's font: a symbol-font bullet becomes the Unicode bullet."""
    numbering = doc.part.numbering_part.element
    for text in numbering.iter(qn("w:lvlText")):
        value = text.get(qn("w:val")) or ""
        if value and all(ord(c) in _SYMBOL_FONT_CHARS for c in value):
            text.set(qn("w:val"), BULLET)
    for fonts in numbering.iter(qn("w:rFonts")):
        _name_font(fonts, font)


def _font_table(doc: Document, font: str) -> None:
    """List the edition's font only (the package embeds it and completes its entry)."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for entry in root.findall(qn("w:font")):
        root.remove(entry)
    etree.SubElement(root, qn("w:font"), {qn("w:name"): font})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _name(style) -> str:
    name = style.find(qn("w:name"))
    return "" if name is None else name.get(qn("w:val"), "").lower()

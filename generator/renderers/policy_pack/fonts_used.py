"""Which fonts a WordprocessingML package's text uses, so its font table lists those and no others.

A run's Latin font (the `ascii` and `hAnsi` slots of `w:rFonts`) comes from the first of: the run's own
properties, its character style, its paragraph style, its table's style and the document defaults, each
style followed up its `basedOn` chain; a theme font (`asciiTheme="minorHAnsi"`) resolves through the
theme. A list paragraph also uses its bullet's font (the numbering level's `w:rFonts`), and a `w:sym`
names its own font.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
SLOTS = ("ascii", "hAnsi")
THEME_SCRIPT = {"Ascii": "latin", "HAnsi": "latin", "EastAsia": "ea", "Bidi": "cs"}


def w(name: str) -> str:
    return f"{{{W}}}{name}"


class _Styles:
    def __init__(self, parts: Mapping[str, bytes]) -> None:
        styles = etree.fromstring(parts["word/styles.xml"])
        self.by_id = {s.get(w("styleId")): s for s in styles.iter(w("style"))}
        self.default = {s.get(w("type")): s.get(w("styleId")) for s in styles.iter(w("style")) if s.get(w("default"))}
        self.doc_defaults = styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('rFonts')}")
        self.theme = _theme_fonts(parts.get("word/theme/theme1.xml"))
        numbering = parts.get("word/numbering.xml")
        self.numbering = etree.fromstring(numbering) if numbering else None

    def chain(self, style_id: str | None) -> Iterator[etree._Element]:
        """Yield the style and the styles it is based on."""
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(w("basedOn"))
            style_id = based.get(w("val")) if based is not None else None

    def fonts(self, candidates: list[etree._Element | None]) -> set[str]:
        """Return each slot's font: the first candidate `w:rFonts` that sets it."""
        found = set()
        for slot in SLOTS:
            for fonts in candidates:
                if fonts is None:
                    continue
                theme = fonts.get(w(f"{slot}Theme"))
                if theme:
                    found.add(self.theme.get(theme, ""))
                    break
                if fonts.get(w(slot)):
                    found.add(fonts.get(w(slot)))
                    break
        return found - {""}

    def num_pr(self, paragraph_style: list[etree._Element], p_pr: etree._Element | None) -> tuple[str, str] | None:
        """Return a paragraph's list (numId, ilvl), set directly or by its style."""
        for props in [p_pr, *(s.find(w("pPr")) for s in paragraph_style)]:
            num = props.find(w("numPr")) if props is not None else None
            if num is not None and num.find(w("numId")) is not None:
                level = num.find(w("ilvl"))
                return num.find(w("numId")).get(w("val")), level.get(w("val")) if level is not None else "0"
        return None

    def bullet_fonts(self, num_id: str, level: str) -> list[etree._Element | None]:
        if self.numbering is None or num_id == "0":
            return []
        num = self.numbering.find(f"{w('num')}[@{w('numId')}='{num_id}']")
        abstract_id = num.find(w("abstractNumId")).get(w("val")) if num is not None else None
        abstract = self.numbering.find(f"{w('abstractNum')}[@{w('abstractNumId')}='{abstract_id}']")
        lvl = abstract.find(f"{w('lvl')}[@{w('ilvl')}='{level}']") if abstract is not None else None
        if lvl is None or not (lvl.find(w("lvlText")) is not None and lvl.find(w("lvlText")).get(w("val"))):
            return []
        return [lvl.find(f"{w('rPr')}/{w('rFonts')}")]


def _theme_fonts(data: bytes | None) -> dict[str, str]:
    """Map theme font names (minorHAnsi, majorBidi, ...) to the theme's typefaces."""
    if not data:
        return {}
    theme = etree.fromstring(data)
    names = {}
    for kind in ("major", "minor"):
        for suffix, script in THEME_SCRIPT.items():
            face = theme.find(f".//{{{A}}}{kind}Font/{{{A}}}{script}")
            if face is not None:
                names[kind + suffix] = face.get("typeface", "")
    return names


def _val(props: etree._Element | None, child: str) -> str | None:
    """Return the w:val of a property element's child, if both are there."""
    found = props.find(w(child)) if props is not None else None
    return found.get(w("val")) if found is not None else None


def _rfonts(element: etree._Element | None) -> etree._Element | None:
    return element.find(f"{w('rPr')}/{w('rFonts')}") if element is not None else None


def fonts_used(parts: Mapping[str, bytes]) -> set[str]:
    """Return the names of the fonts the package's text is set in."""
    styles = _Styles(parts)
    used: set[str] = set()
    for name in sorted(n for n in parts if TEXT_PARTS.fullmatch(n)):
        root = etree.fromstring(parts[name])
        used |= {sym.get(w("font")) for sym in root.iter(w("sym")) if sym.get(w("font"))}
        for paragraph in root.iter(w("p")):
            p_pr = paragraph.find(w("pPr"))
            paragraph_style = list(styles.chain(_val(p_pr, "pStyle") or styles.default.get("paragraph")))
            table = next(paragraph.iterancestors(w("tbl")), None)
            table_style = (
                _val(table.find(w("tblPr")), "tblStyle") or styles.default.get("table") if table is not None else None
            )
            below_run = [
                *(_rfonts(s) for s in paragraph_style),
                *(_rfonts(s) for s in styles.chain(table_style)),
                styles.doc_defaults,
            ]
            numbered = styles.num_pr(paragraph_style, p_pr)
            if numbered:
                used |= styles.fonts([*styles.bullet_fonts(*numbered), *below_run])
            for run in paragraph.iter(w("r")):
                if next(run.iterancestors(w("p"))) is not paragraph or not "".join(run.itertext()).strip():
                    continue
                character = styles.chain(_val(run.find(w("rPr")), "rStyle") or styles.default.get("character"))
                used |= styles.fonts([_rfonts(run), *(_rfonts(s) for s in character), *below_run])
    return used

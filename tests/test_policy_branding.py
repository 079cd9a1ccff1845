"""Every colour and font in every part of a policy from the default Word template is the edition's (brand.py)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from generator.edition import Edition
from generator.org.branding import DEFAULT_PALETTE, FALLBACK_COLOURS, Branding, LevelColours
from generator.pipeline import build
from generator.search_path import SearchPath
from generator.templating import TEMPLATES_DIR

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
ACCENT, PRIMARY = "B07D00", "5A2A82"
OWN_PALETTE = {
    "provider": LevelColours(fill="#123456", text="#FFFFFF"),
    "customer": LevelColours(fill="#FEDCBA", text="#000000"),
    "shared": LevelColours(fill="#ABCDEF", text="#000000"),
    "not-applicable": LevelColours(fill="#EEEEEE", text="#222222"),
}
COLOUR_ATTRIBUTES = {"color", "fill", "lastClr"}  # w:color and w:fill on borders and shading, a:sysClr's lastClr
FONT_ATTRIBUTES = {"ascii", "hAnsi", "eastAsia", "cs"}  # of w:rFonts


def branded(palette=DEFAULT_PALETTE) -> Branding:
    return Branding(organisation="Acme", primary=f"#{PRIMARY}", accent=f"#{ACCENT}", palette=palette)


def build_policy(framework, out: Path, branding: Branding, search_path: SearchPath | None = None) -> Path:
    build(Edition(framework, branding=branding, only=("docx",), search_path=search_path or SearchPath()), out)
    return out / f"{branding.file_prefix}-policy.docx"


def colours_and_fonts(path: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
    """Return every colour value and font name with the parts holding it, and any theme reference left."""
    colours: dict[str, set[str]] = {}
    fonts: dict[str, set[str]] = {}
    themed: set[str] = set()
    with zipfile.ZipFile(path) as package:
        for part in package.namelist():
            if not part.endswith(".xml"):
                continue
            for element in etree.fromstring(package.read(part)).iter():
                if not isinstance(element.tag, str):
                    continue
                tag = etree.QName(element).localname
                for attr, value in element.attrib.items():
                    name = etree.QName(attr).localname
                    if name in COLOUR_ATTRIBUTES or (tag in ("color", "srgbClr") and name == "val"):
                        colours.setdefault(value.upper(), set()).add(part)
                    if tag == "sysClr" or (name.startswith("theme") and name != "themeFontLang"):
                        themed.add(f"{part}: {tag} {name}={value}")
                    font = (tag == "rFonts" and name in FONT_ATTRIBUTES) or (tag == "font" and name == "name")
                    if font or (name == "typeface" and value):
                        fonts.setdefault(value, set()).add(part)
    return colours, fonts, themed


def allowed(branding: Branding) -> set[str]:
    levels = [*branding.palette.values(), *DEFAULT_PALETTE.values(), *FALLBACK_COLOURS]
    values = {branding.primary, branding.accent, *(c.fill for c in levels), *(c.text for c in levels)}
    return {v.lstrip("#").upper() for v in values} | {"000000", "FFFFFF", "AUTO"}


@pytest.mark.parametrize("palette", [DEFAULT_PALETTE, OWN_PALETTE], ids=["default palette", "own palette"])
def test_every_colour_and_font_in_every_part_is_the_editions(tmp_path, framework, palette):
    branding = branded(palette)
    colours, fonts, themed = colours_and_fonts(build_policy(framework, tmp_path, branding))
    stray = {value: sorted(parts) for value, parts in colours.items() if value not in allowed(branding)}
    assert stray == {}
    assert set(fonts) == {"DejaVu Sans"}
    assert themed == set()
    assert {ACCENT, PRIMARY} <= set(colours)
    if palette is OWN_PALETTE:
        assert "4F81BD" not in colours and "123456" in colours and "0063A0" not in colours


def test_the_brand_colours_are_read_back_where_word_shows_them(tmp_path, framework):
    path = build_policy(framework, tmp_path, branded())
    doc = docx.Document(path)
    for name in ("Subtitle", "Caption", "Intense Emphasis"):
        assert str(doc.styles[name].font.color.rgb) == ACCENT, name
    for name in (*(f"Heading {n}" for n in range(1, 10)), "Title", "TOC Heading"):
        style = doc.styles[name]
        assert str(style.font.color.rgb) == PRIMARY, name
        linked = style.element.find(f"{{{docx.oxml.ns.nsmap['w']}}}link")
        if linked is not None:
            char = next(s for s in doc.styles if s.style_id == linked.get(docx.oxml.ns.qn("w:val")))
            assert str(char.font.color.rgb) == PRIMARY, char.name
    rule = doc.styles["Title"].element.find(".//" + docx.oxml.ns.qn("w:bottom"))
    assert rule.get(docx.oxml.ns.qn("w:color")) == ACCENT
    critical = next(p for p in doc.paragraphs if p.text.startswith("Critical focus: "))
    assert critical.runs[0].style.name == "Intense Emphasis"
    assert any(p.style.name == "Caption" and p.text.startswith("Responsibilities for ") for p in doc.paragraphs)
    with zipfile.ZipFile(path) as package:
        theme = etree.fromstring(package.read("word/theme/theme1.xml"))
    scheme = theme.find(f".//{{{A}}}clrScheme")
    assert scheme.find(f"{{{A}}}accent1/{{{A}}}srgbClr").get("val") == ACCENT
    assert scheme.find(f"{{{A}}}dk2/{{{A}}}srgbClr").get("val") == PRIMARY
    assert {e.get("typeface") for e in theme.iter(f"{{{A}}}latin")} == {"DejaVu Sans"}
    bullets = {
        lvl.get(docx.oxml.ns.qn("w:val")) for lvl in doc.part.numbering_part.element.iter(docx.oxml.ns.qn("w:lvlText"))
    }
    assert "\uf0b7" not in bullets and "\u2022" in bullets


def test_an_organisations_own_word_template_keeps_its_theme_and_styles(tmp_path, framework):
    own = tmp_path / "templates" / "word"
    own.mkdir(parents=True)
    shutil.copyfile(TEMPLATES_DIR / "word" / "policy-pack.docx", own / "policy-pack.docx")
    path = build_policy(framework, tmp_path / "out", branded(), SearchPath(overrides=(tmp_path / "templates",)))
    colours, fonts, _ = colours_and_fonts(path)
    assert "4F81BD" in colours and "Calibri" in fonts
    assert len(docx.Document(path).styles) == len(docx.Document(own / "policy-pack.docx").styles)

"""The .docx package around the text: embedded fonts, our own app.xml, no leftovers of python-docx's template.

Leftovers are the parts and settings that describe some other document: a thumbnail, an empty
bibliography, font table entries for fonts the text never uses, a proofing state that says the
spelling was checked, a Japanese theme language; and `w:zoom` gets the `w:percent` the schema requires.

Word shows a font the machine lacks only if the file carries it, so the policy embeds the font
Normal uses (DejaVu Sans by default: its licence allows embedding; or the organisation's font
file, when its OS/2 table permits embedding) as Word's obfuscated font parts (ECMA-376 Part 1,
17.8.1). Everything here is derived from the inputs, so equal inputs give equal bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from generator import __version__
from generator.renderers.policy_pack import font_parts
from generator.renderers.policy_pack.fonts_used import fonts_used

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
BIBLIOGRAPHY = "{http://schemas.openxmlformats.org/officeDocument/2006/bibliography}Sources"
LANGUAGE = "en-GB"  # the policy's language (its core properties and style defaults say the same)
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
# Parts python-docx's default template brings that describe some other document: dropped.
DROPPED = ("docProps/thumbnail.jpeg", "word/stylesWithEffects.xml")
APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>ai-srm-generator {version}</Application><DocSecurity>0</DocSecurity>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc></Properties>"
)
EMBED_NOT_ALLOWED = 0x0002  # OS/2 fsType bit: restricted licence, no embedding


class FontNotEmbeddable(ValueError):
    """A font's licence (its OS/2 fsType) forbids embedding it in a document."""


@dataclass(frozen=True)
class EmbeddedFont:
    """One font family to carry in the file: its name, its panose, and the files of each face."""

    family: str
    regular: Path
    bold: Path | None = None


def check_embeddable(path: Path) -> None:
    """Refuse a font whose licence bit forbids embedding."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        fs_type = font["OS/2"].fsType if "OS/2" in font else 0
    if fs_type & EMBED_NOT_ALLOWED:
        raise FontNotEmbeddable(f"font {path.name}: its licence (OS/2 fsType {fs_type:#06x}) forbids embedding")


def finish_package(
    data: bytes, font: EmbeddedFont | None, used: set[str] | None = None
) -> tuple[bytes, dict[str, bytes]]:
    """Drop the leftover parts, write app.xml for this generator and embed `font`; return the new package.

    The font table keeps the fonts the text uses: `used` when the caller knows them (a document it
    set in one font), else as `fonts_used` finds them. Also returned: the parts already deflated
    (`font_parts`), by name, for `ooxml.normalise_zip`.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    dropped = (*DROPPED, *_empty_bibliography(parts))
    parts = {name: blob for name, blob in parts.items() if name not in dropped}
    parts["docProps/app.xml"] = APP_XML.format(version=__version__).encode()
    parts["[Content_Types].xml"] = _content_types(
        parts["[Content_Types].xml"], set(parts), dropped, embed=font is not None
    )
    parts["_rels/.rels"] = _without_targets(parts["_rels/.rels"], dropped)
    parts["word/_rels/document.xml.rels"] = _without_targets(
        parts["word/_rels/document.xml.rels"], [_relative_to_word(d) for d in dropped]
    )
    parts["word/settings.xml"] = _settings(parts["word/settings.xml"])
    parts["word/fontTable.xml"] = _font_table(parts["word/fontTable.xml"], fonts_used(parts) if used is None else used)
    deflated = _embed(parts, font) if font is not None else {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:  # normalise_zip deflates it once, later
        for name, blob in parts.items():
            target.writestr(name, blob)
    return out.getvalue(), deflated


def _empty_bibliography(parts: dict[str, bytes]) -> list[str]:
    """Return the customXml parts that hold an empty bibliography (a new document's leftover), with their own parts."""
    found = []
    for name in [n for n in parts if re.fullmatch(r"customXml/item\d+\.xml", n)]:
        root = etree.fromstring(parts[name])
        if root.tag == BIBLIOGRAPHY and len(root) == 0:
            number = name.removeprefix("customXml/item").removesuffix(".xml")
            found += [name, f"customXml/itemProps{number}.xml", f"customXml/_rels/item{number}.xml.rels"]
    return found


def _relative_to_word(name: str) -> str:
    return name.removeprefix("word/") if name.startswith("word/") else f"../{name}"


def _settings(data: bytes) -> bytes:
    """Give w:zoom its required percent, drop the claim that proofing is done, set the theme language."""
    root = etree.fromstring(data)
    for zoom in root.iter(f"{{{W}}}zoom"):
        zoom.set(f"{{{W}}}percent", zoom.get(f"{{{W}}}percent", "100"))
    for proof in root.findall(f"{{{W}}}proofState"):
        root.remove(proof)
    for language in root.iter(f"{{{W}}}themeFontLang"):
        language.attrib.clear()
        language.set(f"{{{W}}}val", LANGUAGE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _font_table(data: bytes, used: set[str]) -> bytes:
    """Keep the entries of the fonts the text uses; add a bare entry for one the table lacks."""
    table = etree.fromstring(data)
    listed = set()
    for entry in table.findall(f"{{{W}}}font"):
        name = entry.get(f"{{{W}}}name")
        if name in used:
            listed.add(name)
        else:
            table.remove(entry)
    for name in sorted(used - listed):
        etree.SubElement(table, f"{{{W}}}font", {f"{{{W}}}name": name})
    return etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _embed(parts: dict[str, bytes], font: EmbeddedFont) -> dict[str, bytes]:
    """Add the font's faces and their font table entry; return the faces' parts already deflated, by name."""
    table = etree.fromstring(parts["word/fontTable.xml"])
    for old in table.findall(f"{{{W}}}font[@{{{W}}}name='{font.family}']"):
        table.remove(old)
    entry = etree.SubElement(table, f"{{{W}}}font", {f"{{{W}}}name": font.family})
    tags = ["embedRegular", *(["embedBold"] if font.bold else [])]
    faces = [font_parts.face(path) for path in (font.regular, *([font.bold] if font.bold else []))]
    etree.SubElement(entry, f"{{{W}}}panose1", {f"{{{W}}}val": faces[0].panose})
    etree.SubElement(entry, f"{{{W}}}charset", {f"{{{W}}}val": "00"})
    etree.SubElement(entry, f"{{{W}}}family", {f"{{{W}}}val": "swiss"})
    etree.SubElement(entry, f"{{{W}}}pitch", {f"{{{W}}}val": "variable"})
    rels = etree.Element(f"{{{RELS}}}Relationships", nsmap={None: RELS})
    deflated = {}
    for n, (tag, face) in enumerate(zip(tags, faces, strict=True), 1):
        name = f"word/fonts/font{n}.odttf"
        parts[name] = face.part
        if face.deflated is not None:
            deflated[name] = face.deflated
        etree.SubElement(entry, f"{{{W}}}{tag}", {f"{{{R}}}id": f"rId{n}", f"{{{W}}}fontKey": face.key})
        attrs = {"Id": f"rId{n}", "Type": FONT_REL, "Target": f"fonts/font{n}.odttf"}
        etree.SubElement(rels, f"{{{RELS}}}Relationship", attrs)
    parts["word/fontTable.xml"] = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/_rels/fontTable.xml.rels"] = etree.tostring(
        rels, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    return deflated


def _content_types(data: bytes, names: set[str], dropped, embed: bool) -> bytes:
    """Drop the dropped parts' types and the jpeg default when no JPEG is left; declare .odttf when embedding."""
    root = etree.fromstring(data)
    for override in root.findall(f"{{{TYPES}}}Override"):
        if override.get("PartName").lstrip("/") in dropped:
            root.remove(override)
    for default in root.findall(f"{{{TYPES}}}Default"):
        extension = default.get("Extension")
        if extension == "odttf" or (extension == "jpeg" and not any(n.endswith(".jpeg") for n in names)):
            root.remove(default)
    if embed:
        etree.SubElement(root, f"{{{TYPES}}}Default", {"Extension": "odttf", "ContentType": OBFUSCATED_FONT})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_targets(data: bytes, targets) -> bytes:
    root = etree.fromstring(data)
    for rel in list(root):
        if rel.get("Target").lstrip("/") in targets:
            root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

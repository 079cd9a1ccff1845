"""Vetting a Word template before use: a bounded, macro-free package with no outside references.

An organisation's template is untrusted. It is read through `generator.reader`: the central
directory first (member count, names, no symlink members, declared sizes), then each part
inflated in chunks against a per-part and a total cap. Then macros (vbaProject), ActiveX
controls, embedded objects, an attached template, any relationship pointing outside the
package and any DTD are refused, since Word would run, load or fetch them when the published
document is opened.
"""

from __future__ import annotations

import re

from generator import reader, trust

BOUNDS = reader.ZipBounds(members=500, member_bytes=20 * 1024 * 1024, total_bytes=60 * 1024 * 1024)
_FORBIDDEN_PARTS = re.compile(r"(vbaProject|vbaData|activeX|embeddings/|oleObject|\.bin$)", re.IGNORECASE)
_FORBIDDEN_RELATIONS = re.compile(r'Type="[^"]*/(attachedTemplate|oleObject|control|package|vbaProject|subDocument)"')
_MACRO_TYPES = re.compile(r"macroEnabled|vbaProject|activeX|oleObject", re.IGNORECASE)


class WordTemplateRefused(Exception):
    """A Word template is not a safe, bounded package; the message names the template and the part."""


def check_word_template(data: bytes, name: str) -> None:
    """Raise WordTemplateRefused unless `data` is a bounded .docx without active or outside content."""
    try:
        package = reader.Archive(data, f"template {name}", BOUNDS)
    except reader.NotAZip:
        raise WordTemplateRefused(f"template {name}: not a Word (.docx) file; save it as a Word document") from None
    except trust.Refused as exc:
        raise WordTemplateRefused(f"{exc}; save it again in Word as a plain .docx") from None
    try:
        for member in package.infos:
            if _FORBIDDEN_PARTS.search(member.filename):
                raise WordTemplateRefused(
                    f"template {name}: holds {member.filename} (macros, ActiveX or an embedded object); remove it"
                )
        for member in package.infos:
            if member.filename.endswith((".xml", ".rels")):
                _check_part(name, member.filename, package.read(member).decode("utf-8", "replace"))
    except trust.Refused as exc:
        raise WordTemplateRefused(f"{exc}; save it again in Word as a plain .docx") from None


def _check_part(name: str, part: str, text: str) -> None:
    def refuse(what: str) -> WordTemplateRefused:
        return WordTemplateRefused(f"template {name}: {part} {what}; remove it in Word and save again")

    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise refuse("declares a DTD")
    if part.endswith(".rels"):
        if re.search(r'TargetMode\s*=\s*"External"', text):
            raise refuse("links to something outside the document (TargetMode=External)")
        if _FORBIDDEN_RELATIONS.search(text):
            raise refuse("refers to an attached template, embedded object or control")
    if part == "[Content_Types].xml" and _MACRO_TYPES.search(text):
        raise refuse("declares macros, ActiveX or embedded objects")
    if part == "word/settings.xml" and "attachedTemplate" in text:
        raise refuse("names an attached template (w:attachedTemplate)")

"""Vetting a Word template before use: a bounded, macro-free package with no outside references.

An organisation's template is untrusted. It is read from the central directory of the zip
only, before any part is decompressed: the member count, each member's size and the total
are capped. Then macros (vbaProject), ActiveX controls, embedded objects, an attached
template, any relationship pointing outside the package and any DTD are refused, since
Word would run, load or fetch them when the published document is opened.
"""

from __future__ import annotations

import io
import re
import zipfile

MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 60 * 1024 * 1024
_FORBIDDEN_PARTS = re.compile(r"(vbaProject|vbaData|activeX|embeddings/|oleObject|\.bin$)", re.IGNORECASE)
_FORBIDDEN_RELATIONS = re.compile(r'Type="[^"]*/(attachedTemplate|oleObject|control|package|vbaProject|subDocument)"')
_MACRO_TYPES = re.compile(r"macroEnabled|vbaProject|activeX|oleObject", re.IGNORECASE)


class WordTemplateRefused(Exception):
    """A Word template is not a safe, bounded package; the message names the template and the part."""


def check_word_template(data: bytes, name: str) -> None:
    """Raise WordTemplateRefused unless `data` is a bounded .docx without active or outside content."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WordTemplateRefused(f"template {name}: not a Word (.docx) file; save it as a Word document") from None
    with package:
        members = package.infolist()
        if len(members) > MAX_MEMBERS:
            raise WordTemplateRefused(f"template {name}: {len(members)} parts, more than {MAX_MEMBERS}")
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                raise WordTemplateRefused(
                    f"template {name}: part {member.filename} makes it larger than "
                    f"{MAX_MEMBER_BYTES // 1048576} MiB a part or {MAX_TOTAL_BYTES // 1048576} MiB in all"
                )
            if _FORBIDDEN_PARTS.search(member.filename):
                raise WordTemplateRefused(
                    f"template {name}: holds {member.filename} (macros, ActiveX or an embedded object); remove it"
                )
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                _check_part(name, member.filename, _read(package, member, name))


def _read(package: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> str:
    try:
        with package.open(member) as part:
            data = part.read(member.file_size + 1)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
        raise WordTemplateRefused(f"template {name}: part {member.filename} cannot be read ({exc})") from None
    if len(data) > member.file_size:
        raise WordTemplateRefused(f"template {name}: part {member.filename} is larger than its zip entry says")
    return data.decode("utf-8", "replace")


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

"""Validate every XML part of an Office package against the ISO/IEC 29500 transitional schemas.

The schemas are in tests/fixtures/ooxml-xsd (README.md there says where they come from). Markup in
namespaces a part declares ignorable (Markup Compatibility, ISO/IEC 29500-3) is removed first, as a
consumer that knows only the standard does; `mc:AlternateContent` keeps its `mc:Fallback`.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).parent / "fixtures" / "ooxml-xsd" / "ooxml.xsd"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def without_ignorable(root: etree._Element) -> etree._Element:
    """Return the part as a consumer of the standard alone reads it (ISO/IEC 29500-3, 10.1)."""
    ignorable = {root.nsmap.get(prefix) for prefix in (root.get(f"{{{MC}}}Ignorable") or "").split()}
    for element in list(root.iter(f"{{{MC}}}AlternateContent")):
        fallback = element.find(f"{{{MC}}}Fallback")
        parent = element.getparent()
        at = parent.index(element)
        parent.remove(element)
        for offset, child in enumerate(list(fallback) if fallback is not None else []):
            parent.insert(at + offset, child)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace in ignorable and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            namespace = etree.QName(name).namespace
            if namespace in ignorable or namespace == MC:
                del element.attrib[name]
    return root


def schema_errors(package: Path) -> list[str]:
    """Return every schema error of every XML part: part, line and the validator's message."""
    errors = []
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            root = without_ignorable(etree.fromstring(archive.read(name)))
            validator = schema()
            if not validator.validate(etree.ElementTree(root)):
                errors += [f"{name}:{e.line}: {e.message}" for e in validator.error_log]
    return errors

"""What both OSCAL files share: the namespace of the project's props, content-derived uuids, metadata and JSON."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from generator import __version__, json_text
from generator.dates import midnight
from generator.model import Cell, Framework
from generator.org.branding import Branding
from generator.template_context import edition_marking

OSCAL_VERSION = "1.2.1"  # the newest OSCAL that compliance-trestle 5.2.0 (the tests' validator) supports
# Namespace of this project's props and parts (a URN: a name that need not resolve).
NS = "urn:ai-srm-generator:oscal"
_UUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NS)


def stable_uuid(*parts: str) -> str:
    """Return a uuid5 of stable ids: the same ids give the same uuid in every build."""
    return str(uuid.uuid5(_UUID_ROOT, "/".join(parts)))


def document_uuid(kind: str, content: dict) -> str:
    """Return the uuid of a whole document, derived from its content: it changes exactly when the content does."""
    return stable_uuid(kind, json.dumps(content, sort_keys=True, ensure_ascii=False))


_SOURCE = stable_uuid("resource", "source")


def prop(name: str, value: str, cls: str | None = None) -> dict:
    """Return a prop in the project's namespace."""
    return {"name": name, "ns": NS, "value": value, **({"class": cls} if cls else {})}


def level_props(fw: Framework, cell: Cell) -> list[dict]:
    """Return a cell's level as props: `responsibility` and its label, or per party `party-level` (class: party id)."""
    if cell.level_id is not None:
        level = fw.level(cell.level_id)
        return [prop("responsibility", level.id), prop("responsibility-label", level.label)]
    return [
        p
        for party, level in fw.values(cell)
        if party is not None
        for p in (prop("party-level", level.id, party.id), prop("party-level-label", level.label, party.id))
    ]


def level_text(fw: Framework, cell: Cell) -> str:
    """Say a cell's level in prose: "Shared. <definition>", or each party's: "Tenant: Leads; Host: Assists."."""
    if cell.level_id is not None:
        level = fw.level(cell.level_id)
        return f"{level.label}. {level.definition}"
    return "; ".join(f"{party.name}: {level.label}" for party, level in fw.values(cell) if party is not None) + "."


def timestamp(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def metadata(fw: Framework, branding: Branding, when: datetime, what: str) -> dict:
    """Return the metadata both files carry: title, dates, framework version, author, source and licence."""
    info = fw.info
    edition = edition_marking(fw, branding)
    title = f"{info.title}: {what}" + (f" ({edition['label']})" if edition["tailored"] else "")
    author = stable_uuid("party", "author")
    # An organisation's edition is its own document: its version and issue date; the framework's version is a prop.
    control = branding.document_control
    document = {"published": timestamp(midnight(control.issued(when)))} if edition["tailored"] else {}
    edition_props = [
        prop("organisation", branding.organisation or ""),
        prop("framework-version", info.version),
        prop("document-status", control.status),
        prop("next-review", control.next_review(when).isoformat()),
    ]
    return {
        "title": title,
        **document,
        "last-modified": timestamp(when),
        "version": control.version if edition["tailored"] else info.version,
        "oscal-version": OSCAL_VERSION,
        "props": [
            prop("framework-id", info.id),
            prop("licence", info.licence),
            prop("generator", f"ai-srm-generator {__version__}"),
            *(edition_props if edition["tailored"] else []),
        ],
        "links": [{"href": f"#{_SOURCE}", "rel": "source", "text": f"{info.title} (upstream)"}],
        "roles": [{"id": "creator", "title": "Author of the framework"}],
        "parties": [{"uuid": author, "type": "person", "name": info.author}],
        "responsible-parties": [{"role-id": "creator", "party-uuids": [author]}],
        "remarks": f"Released {info.release_date}. {info.licence} licence. {info.copyright}. {info.summary}",
    }


def back_matter(fw: Framework) -> dict:
    """Return the back-matter: the upstream framework, which the metadata's source link points to."""
    info = fw.info
    resource = {
        "uuid": _SOURCE,
        "title": f"{info.title} {info.version}",
        "description": f"The upstream framework by {info.author}; {info.licence} licence. {info.copyright}.",
        "rlinks": [{"href": info.source_url}],
    }
    return {"resources": [resource]}


def dump(document: dict) -> str:
    """Return the OSCAL JSON text: two-space indent, keys in the order written, a final newline."""
    return json_text.dumps(document) + "\n"

"""OSCAL mapping collections: how the catalog's security domains relate to a framework auditors cite.

One collection per reference framework. A domain is a group in the catalog, and a map's sources
must be controls, so each map's sources are the domain's controls (its cells) taken together; its
targets are the reference's ids. A domain marked unmapped goes into the source gap summary.
The mappings are the project's informative reading, and the provenance says so.
"""

from __future__ import annotations

from generator import model
from generator.model import Framework
from generator.renderers.oscal.common import back_matter, prop, stable_uuid


def mapping_body(fw: Framework, walk: model.Crosswalk, catalog_href: str) -> dict:
    """Return the provenance, mappings and back-matter of one mapping collection."""
    ref = walk.reference
    target_uuid = stable_uuid("reference", ref.id)
    unmapped = [d.id for d in fw.domains if any(m.target is None for m in walk.for_domain(d.id))]
    mapping: dict = {
        "uuid": stable_uuid("mapping", ref.id),
        "method": "human",
        "matching-rationale": "semantic",
        "status": "complete",
        "source-resource": {"type": "catalog", "href": catalog_href},
        "target-resource": {"type": "catalog", "href": f"#{target_uuid}", "remarks": f"{ref.name} {ref.version}"},
        "maps": [_map(fw, ref, m) for m in walk.maps if m.target is not None],
    }
    if unmapped:
        mapping["source-gap-summary"] = {
            "uuid": stable_uuid("gap", ref.id),
            "unmapped-controls": [
                {"with-ids": [c.id for c in fw.cells_for_domain(d)], "matching": [{"pattern": f"{d}.*"}]}
                for d in unmapped
            ],
        }
    resources = back_matter(fw)["resources"] + [
        {
            "uuid": target_uuid,
            "title": f"{ref.name} {ref.version}",
            "description": f"{ref.publisher}. {ref.licence}. {ref.titles}"
            + (f" {ref.attribution}." if ref.attribution else ""),
            "props": [prop("reference-id", ref.id), prop("licence", ref.licence)],
            "rlinks": [{"href": ref.source_url}],
        }
    ]
    return {
        "provenance": {
            "method": "human",
            "matching-rationale": "semantic",
            "status": "complete",
            "mapping-description": (
                f"How each security domain of {fw.info.title} {fw.info.version} relates to {ref.name} "
                f"{ref.version}: the project's informative reading, not an official mapping by either party. "
                "A map's sources are all of a domain's controls (one per deployment model) taken together."
            ),
        },
        "mappings": [mapping],
        "back-matter": {"resources": resources},
    }


def _map(fw: Framework, ref: model.Reference, m: model.DomainMap) -> dict:
    assert m.target is not None
    return {
        "uuid": stable_uuid("map", ref.id, m.domain_id, m.target.id),
        "relationship": m.relationship,
        "sources": [{"type": "control", "id-ref": c.id} for c in fw.cells_for_domain(m.domain_id)],
        "targets": [{"type": "control", "id-ref": m.target.id, "remarks": m.target.title}],
        "props": [prop("domain", m.domain_id)],
        "remarks": m.rationale,
    }

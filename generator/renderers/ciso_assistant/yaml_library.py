"""The library YAML, in the structure `convert_library_v2.py` produces from the workbook.

Keys in the converter's order; URNs as it derives them (base_urn + ":" + ref_id, parent_urn for
depth 2); written as it writes (PyYAML, keys unsorted, non-ASCII escaped). Not written: the
converter's `convert_library_version` stamp, since no converter ran.
"""

from __future__ import annotations

from datetime import date

import yaml

from generator.renderers.ciso_assistant.library import Library


def library_document(library: Library) -> dict:
    fw_urn = library.framework_value("urn")
    base = library.framework_value("base_urn")
    nodes, parent = [], None
    for n in library.nodes:
        urn = f"{base}:{n.ref_id}"
        node: dict = {"urn": urn, "assessable": n.assessable, "depth": n.depth}
        if n.depth == 1:
            parent = urn
        else:
            node["parent_urn"] = parent
        node.update(ref_id=n.ref_id, name=n.name, description=n.description, annotation=n.annotation)
        if n.importance:
            node["importance"] = n.importance
        if n.groups:
            node["implementation_groups"] = list(n.groups)
        nodes.append(node)
    value = library.value
    return {
        "urn": value("urn"),
        "locale": value("locale"),
        "ref_id": value("ref_id"),
        "name": value("name"),
        "description": value("description"),
        "copyright": value("copyright"),
        "version": value("version"),
        "publication_date": date.fromisoformat(str(value("publication_date"))),
        "provider": value("provider"),
        "packager": value("packager"),
        "objects": {
            "framework": {
                "urn": fw_urn,
                "ref_id": library.framework_value("ref_id"),
                "name": library.framework_value("name"),
                "description": library.framework_value("description"),
                "implementation_groups_definition": [
                    {"ref_id": ref_id, "name": name, "description": description}
                    for ref_id, name, description in library.groups
                ],
                "requirement_nodes": nodes,
            }
        },
    }


# libyaml's emitter is ten times faster than PyYAML's own and writes the same text (tested) as
# long as no scalar is folded across lines, where the two escape differently; PyYAML built
# without libyaml has only its own.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
UNFOLDED = 1_000_000  # a line width no scalar reaches


def library_yaml(library: Library) -> str:
    return dump(library_document(library), DUMPER)


def dump(document: dict, dumper: type) -> str:
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=False, width=UNFOLDED)

"""The OSCAL catalog: one group per security domain, one control per domain x deployment model cell.

A control per cell, with the cell's id (`<domain_id>.<model_id>`, the key of the workbook and the
CSV) as its control id: each cell has its own level, critical-focus mark and duties, so each
control carries exactly one value of each as a prop, and a profile selects a deployment model's
controls by id or by its `deployment-model` prop. In a framework with a level per party, a cell
has a `party-level` prop (and a `party-level-label`) per party, its class the party id. Catalog
controls cannot say who is responsible; the component definition (component.py) does.
"""

from __future__ import annotations

from generator import model
from generator.model import Framework
from generator.renderers.oscal.common import NS, back_matter, level_props, level_text, prop
from generator.tables import customer_duty, provider_duty


def catalog_body(fw: Framework) -> dict:
    """Return the groups and back-matter of the catalog (everything but uuid and metadata)."""
    return {
        "groups": [_group(fw, domain) for domain in fw.domains],
        "back-matter": back_matter(fw),
    }


def _group(fw: Framework, domain: model.Domain) -> dict:
    return {
        "id": domain.id,
        "class": domain.kind,
        "title": domain.name,
        "props": [
            prop("domain-number", str(domain.number)),
            prop("domain-kind", domain.kind),
            prop("ai-specific", _yes_no(domain.ai_specific)),
        ],
        "parts": [
            {"id": f"{domain.id}_ovw", "name": "overview", "prose": domain.description},
            {"id": f"{domain.id}_foc", "name": "focus", "ns": NS, "prose": domain.focus},
        ],
        "controls": [_control(fw, domain, cell) for cell in fw.cells_for_domain(domain.id)],
    }


def _control(fw: Framework, domain: model.Domain, cell: model.Cell) -> dict:
    dm, audience = fw.model(cell.model_id), fw.info.audience
    others = [p.id for p in fw.info.parties if p.id != audience]
    guidance = [
        {"id": f"{cell.id}_gdn.{audience}", "name": f"{audience}-duty", "ns": NS, "prose": customer_duty(fw, cell)},
        *(
            {"id": f"{cell.id}_gdn.{p}", "name": f"{p}-duty", "ns": NS, "prose": provider_duty(fw, cell, p)}
            for p in others
        ),
    ]
    example = domain.examples.get(dm.id)
    if example:
        guidance.append({"id": f"{cell.id}_gdn.example", "name": "example", "ns": NS, "prose": example})
    return {
        "id": cell.id,
        "class": "responsibility",
        "title": f"{domain.name}: {dm.name}",
        "props": [
            {"name": "label", "value": f"{domain.number}.{dm.number}"},  # OSCAL's own display label
            prop("deployment-model", dm.id),
            prop("domain", domain.id),
            *level_props(fw, cell),
            prop("critical-focus", _yes_no(cell.critical)),
            prop("ai-specific", _yes_no(domain.ai_specific)),
        ],
        "parts": [
            {
                "id": f"{cell.id}_smt",
                "name": "statement",
                "prose": f"Responsibility in this {fw.info.axes.columns.term}: {level_text(fw, cell)}",
            },
            {"id": f"{cell.id}_gdn", "name": "guidance", "parts": guidance},
        ],
    }


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"

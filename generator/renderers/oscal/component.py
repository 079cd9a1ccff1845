"""The OSCAL component definition: who is responsible for each cell, which a catalog cannot say.

One component per deployment model; its control implementation lists every cell of that model
(the catalog's control ids). Each requirement's `responsible-roles` are the parties that carry
the cell (`Framework.owners`: the provider, the customer, or both for Shared), each with its duty
as remarks, and, where the audience (the customer) carries it, the organisation's internal roles
from the RACI: the accountable role (A) and the responsible ones (R), under the edition's role names.
"""

from __future__ import annotations

from generator import model
from generator.model import Framework
from generator.renderers.oscal.common import back_matter, level_props, level_text, prop, stable_uuid
from generator.tables import customer_duty, provider_duty


def component_body(fw: Framework, catalog_href: str) -> dict:
    """Return the roles, components and back-matter of the component definition (all but uuid and metadata)."""
    parties = [{"id": p.id, "title": p.name, "description": p.description} for p in fw.info.parties]
    internal = [{"id": r.id, "title": r.name, "description": r.description} for r in fw.roles]
    return {
        "roles": parties + internal,
        "components": [_component(fw, dm, catalog_href) for dm in fw.models],
        "back-matter": back_matter(fw),
    }


def _component(fw: Framework, dm: model.DeploymentModel, catalog_href: str) -> dict:
    rows = fw.info.axes.rows.name.lower()
    return {
        "uuid": stable_uuid("component", dm.id),
        "type": "service",
        "title": dm.name,
        "description": dm.description,
        "props": [prop("deployment-model", dm.id), prop("category", dm.category)],
        "control-implementations": [
            {
                "uuid": stable_uuid("control-implementation", dm.id),
                "source": catalog_href,
                "description": f"Who secures each {rows} when an organisation uses {dm.name}.",
                "implemented-requirements": [_requirement(fw, cell) for cell in fw.cells_for_model(dm.id)],
            }
        ],
    }


def _requirement(fw: Framework, cell: model.Cell) -> dict:
    domain = fw.domain(cell.domain_id)
    requirement = {
        "uuid": stable_uuid("implemented-requirement", cell.id),
        "control-id": cell.id,
        "description": f"{domain.name}: {level_text(fw, cell)}",
        "props": [*level_props(fw, cell), prop("critical-focus", "yes" if cell.critical else "no")],
    }
    roles = responsible_roles(fw, cell)
    if roles:
        requirement["responsible-roles"] = roles
    return requirement


def responsible_roles(fw: Framework, cell: model.Cell) -> list[dict]:
    """Return the parties that carry the cell (with their duties) and, for the audience's share, its RACI roles."""
    owners, audience = fw.owners(cell), fw.info.audience
    roles: list[dict] = [
        {"role-id": p.id, "remarks": customer_duty(fw, cell) if p.id == audience else provider_duty(fw, cell, p.id)}
        for p in fw.info.parties
        if p.id in owners
    ]
    if audience in owners:
        row = next(r for r in fw.raci if r.domain_id == cell.domain_id)
        share = f"the {fw.party(audience).name.lower()}'s share"
        for role in fw.roles:
            letter = row.letters.get(role.id)
            if letter in ("A", "R"):
                what = "Accountable (A)" if letter == "A" else "Responsible (R)"
                roles.append(
                    {
                        "role-id": role.id,
                        "props": [prop("raci", letter)],
                        "remarks": f"{what} for {share}, in the internal RACI.",
                    }
                )
    return roles

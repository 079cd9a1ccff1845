"""The CISO Assistant library, as one value both files are written from.

Domains (the matrix rows) are depth-1 nodes; under each, one assessable requirement per cell the
audience (the customer) owns or shares, described by its duty, with the other parties' duties, the
example and the internal RACI as annotation, critical focus as importance, and the cell's
deployment model as its implementation group, so an audit can be limited to the models an
organisation uses. In a framework with a level per party, a domain's annotation also gives every
party's level in each column.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import Framework
from generator.org.branding import Branding
from generator.tables import customer_duty, provider_duty
from generator.template_context import edition_marking

PROJECT_PACKAGER = "ai-srm-generator"  # the packager of the reference edition; an organisation's is its slug
LOCALE = "en"
FRAMEWORK_PREFIX = "framework"  # sheets framework_meta and framework_content
GROUPS_PREFIX = "implementation_groups"  # sheets implementation_groups_meta and implementation_groups_content
CONTENT_COLUMNS = (
    "assessable",
    "depth",
    "ref_id",
    "name",
    "description",
    "annotation",
    "importance",
    "implementation_groups",
)
GROUP_COLUMNS = ("ref_id", "name", "description")
CRITICAL, OTHER = "mandatory", "recommended"


def library_version(framework_version: str) -> int:
    """Return CISO Assistant's whole-number library version: major*10000 + minor*100 + patch (1.1.0 -> 10100)."""
    major, minor, patch = (int(part) for part in framework_version.split("."))
    return major * 10000 + minor * 100 + patch


@dataclass(frozen=True)
class Node:
    assessable: bool
    depth: int
    ref_id: str
    name: str
    description: str
    annotation: str
    importance: str  # "" on domain nodes
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    meta: tuple[tuple[str, str | int], ...]  # library_meta, in the documented key order
    framework_meta: tuple[tuple[str, str], ...]
    nodes: tuple[Node, ...]
    groups: tuple[tuple[str, str, str], ...]  # ref_id, name, description

    def value(self, key: str) -> str | int:
        return dict(self.meta)[key]

    def framework_value(self, key: str) -> str:
        return dict(self.framework_meta)[key]


def build_library(fw: Framework, branding: Branding) -> Library:
    """Return the library of this edition: its models, its name, its role names."""
    info, edition = fw.info, edition_marking(fw, branding)
    packager = branding.file_prefix if edition["tailored"] else PROJECT_PACKAGER
    ref_id = info.id
    name = info.title + (f" ({edition['label']})" if edition["tailored"] else "")
    meta = (
        ("type", "library"),
        ("urn", f"urn:{packager}:risk:library:{ref_id}"),
        ("version", library_version(info.version)),
        ("locale", LOCALE),
        ("ref_id", ref_id),
        ("name", name),
        ("description", info.summary),
        ("copyright", f"{info.copyright}. {info.licence} licence."),
        ("provider", info.author),
        ("packager", packager),
        ("publication_date", info.release_date),
    )
    framework_meta = (
        ("type", "framework"),
        ("urn", f"urn:{packager}:risk:framework:{ref_id}"),
        ("ref_id", ref_id),
        ("name", name),
        ("description", info.summary),
        ("base_urn", f"urn:{packager}:risk:req_node:{ref_id}"),
        ("implementation_groups_definition", GROUPS_PREFIX),
    )
    groups = tuple((m.id, m.name, m.description) for m in fw.models)
    return Library(meta, framework_meta, _nodes(fw), groups)


def _nodes(fw: Framework) -> tuple[Node, ...]:
    roles = {r.id: r.name for r in fw.roles}
    audience = fw.info.audience
    others = [p for p in fw.info.parties if p.id != audience]
    nodes: list[Node] = []
    for domain in fw.domains:
        row = next(r for r in fw.raci if r.domain_id == domain.id)
        accountable = roles.get(row.accountable or "", "")
        responsible = ", ".join(roles[r] for r, letter in row.letters.items() if letter == "R") or "none"
        raci = f"Accountable role: {accountable}. Responsible roles: {responsible}."
        children = []
        for cell in fw.cells_for_domain(domain.id):
            if audience not in fw.owners(cell):
                continue
            dm, level = fw.model(cell.model_id), fw.level_for(cell, audience)
            notes = [f"{p.name}: {provider_duty(fw, cell, p.id)}" for p in others]
            if domain.examples.get(dm.id):
                notes.append(f"Example: {domain.examples[dm.id]}")
            notes.append(raci)
            children.append(
                Node(
                    assessable=True,
                    depth=2,
                    ref_id=cell.id,
                    name=f"{dm.name} ({level.label})",
                    description=customer_duty(fw, cell),
                    annotation="\n".join(notes),
                    importance=CRITICAL if cell.critical else OTHER,
                    groups=(dm.id,),
                )
            )
        kind = "AI-specific" if domain.ai_specific else "Traditional"
        about = [f"{kind} {fw.info.axes.rows.name.lower()}. Focus: {domain.focus}"]
        if fw.info.per_party:  # every party's level in each column, also where the audience has no obligation
            about += [
                f"{fw.model(c.model_id).name}: {fw.cell_label(c, gap=' ')}" for c in fw.cells_for_domain(domain.id)
            ]
        nodes.append(
            Node(
                assessable=False,
                depth=1,
                ref_id=domain.id,
                name=domain.name,
                description=domain.description,
                annotation="\n".join(about),
                importance="",
                groups=tuple(g for child in children for g in child.groups),
            )
        )
        nodes.extend(children)
    return tuple(nodes)

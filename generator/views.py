"""Plain-data views of the framework: what templates and office renderers receive.

Everything here is dicts, lists and strings, so a (sandboxed) template can read
it and nothing else.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any

from generator import __version__, model
from generator.branding import Branding
from generator.model import CUSTOMER_PARTY, PROVIDER_PARTY


def plain(value: Any) -> Any:
    """Turn records, tuples and mapping proxies into JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (dict, types.MappingProxyType)):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def customer_duty(fw: model.Framework, cell: model.Cell) -> str:
    """Say what the customer does for one cell, from the domain's note on that level."""
    domain, level = fw.domain(cell.domain_id), fw.level(cell.level_id)
    note = domain.level_notes.get(level.id, "")
    if not level.applicable:
        return note or "Nothing: this domain does not apply to this deployment model."
    if CUSTOMER_PARTY in level.owners or not note:
        return note or level.definition
    return f"Obtain assurance that the provider meets this domain. {note}"


def cell_view(fw: model.Framework, cell: model.Cell) -> dict:
    """Return one cell with its level, model, domain and duties spelt out."""
    level, domain, dm = fw.level(cell.level_id), fw.domain(cell.domain_id), fw.model(cell.model_id)
    return {
        "id": cell.id,
        "domain_id": domain.id,
        "model_id": dm.id,
        "level": level_view(level),
        "critical": cell.critical,
        "customer_duty": customer_duty(fw, cell),
        "example": domain.examples.get(dm.id, ""),
    }


def level_view(level: model.Level) -> dict:
    return {**plain(level), "applicable": level.applicable}


def domain_view(domain: model.Domain) -> dict:
    return {**plain(domain), "label": domain.label, "ai_specific": domain.ai_specific}


def edition_view(fw: model.Framework, branding: Branding) -> dict:
    """Say whose edition this is: the organisation and the framework version it is based on."""
    based_on = f"based on {fw.info.title} v{fw.info.version}"
    return {
        "organisation": branding.organisation,
        "short_name": branding.short_name or branding.organisation,
        "tailored": branding.organisation is not None,
        "based_on": based_on,
        "label": f"{branding.organisation} edition, {based_on}" if branding.organisation else "",
    }


OBLIGATION_COLUMNS = (
    "cell_id",
    "model_id",
    "model_name",
    "domain_number",
    "domain_id",
    "domain_name",
    "level",
    "critical_focus",
    "accountable_role",
    "responsible_roles",
    "customer_does",
)


def obligation_rows(fw: model.Framework) -> list[dict]:
    """Return every cell the customer carries (alone or shared), with the internal role that owns it."""
    roles = {r.id: r.name for r in fw.roles}
    raci = {row.domain_id: row for row in fw.raci}
    rows = []
    for cell in fw.cells:
        level = fw.level(cell.level_id)
        if CUSTOMER_PARTY not in level.owners:
            continue
        dm, domain, row = fw.model(cell.model_id), fw.domain(cell.domain_id), raci[cell.domain_id]
        responsible = [roles[r] for r, letter in row.letters.items() if letter == "R"]
        rows.append(
            {
                "cell_id": cell.id,
                "model_id": dm.id,
                "model_name": dm.name,
                "domain_number": domain.number,
                "domain_id": domain.id,
                "domain_name": domain.name,
                "level": level.label,
                "critical_focus": "Yes" if cell.critical else "No",
                "accountable_role": roles.get(row.accountable, ""),
                "responsible_roles": ", ".join(responsible),
                "customer_does": customer_duty(fw, cell),
            }
        )
    return rows


def template_context(fw: model.Framework, branding: Branding | None = None) -> dict:
    """Return the whole context every text template receives."""
    models = [plain(m) for m in fw.models]
    domains = [domain_view(d) for d in fw.domains]
    cells = {c.id: cell_view(fw, c) for c in fw.cells}
    matrix = [{"domain": dv, "cells": [cells[f"{dv['id']}.{m['id']}"] for m in models]} for dv in domains]
    by_domain = {row["domain"]["id"]: row["cells"] for row in matrix}
    by_model = {m["id"]: [cells[f"{d['id']}.{m['id']}"] for d in domains] for m in models}
    critical = {m["id"]: [d for d in domains if cells[f"{d['id']}.{m['id']}"]["critical"]] for m in models}
    categories = [{**plain(c), "models": [m for m in models if m["category"] == c.id]} for c in fw.info.categories]
    roles = [plain(r) for r in fw.roles]
    raci = [
        {"domain": dv, "letters": [row.letters[r["id"]] for r in roles], "rationale": row.rationale}
        for dv, row in zip(domains, fw.raci, strict=True)
    ]
    return {
        "framework": plain(fw.info),
        "levels": [level_view(v) for v in fw.info.levels],
        "models": models,
        "models_by_id": {m["id"]: m for m in models},
        "domains": domains,
        "domains_by_id": {d["id"]: d for d in domains},
        "categories": categories,
        "matrix": matrix,
        "cells_by_model": by_model,
        "cells_by_domain": by_domain,
        "critical_by_model": critical,
        "roles": roles,
        "raci": raci,
        "guidance": plain(fw.guidance),
        "generator_version": __version__,
        "edition": edition_view(fw, branding or Branding()),
        "obligations": obligation_rows(fw),
    }


def provider_duty(fw: model.Framework, cell: model.Cell) -> str:
    """Say what the provider does for one cell, from the level's owners and the domain's provider aspects."""
    domain, level = fw.domain(cell.domain_id), fw.level(cell.level_id)
    if not level.applicable:
        return "Not applicable."
    if PROVIDER_PARTY not in level.owners:
        return "Nothing beyond any tools it supplies: the customer owns this domain in this deployment model."
    if level.owners == (PROVIDER_PARTY,):
        return domain.level_notes.get(level.id) or level.definition
    parts = []
    if domain.provider_aspects:
        parts.append(f"Its share in this domain: {'; '.join(domain.provider_aspects)}.")
    generic = fw.info.shared_split.get(PROVIDER_PARTY, ())
    if generic:
        parts.append(f"As in every shared cell: {'; '.join(generic)}.")
    return " ".join(parts) or level.definition


# The long table, one row per cell: its columns are a published interface (workbook and CSV); never rename them.
RESPONSIBILITY_COLUMNS = (
    "cell_id",  # <domain_id>.<model_id>, stable across versions
    "model_id",
    "model_name",
    "domain_number",  # an integer
    "domain_id",
    "domain_name",
    "domain_kind",  # traditional | ai-specific
    "level",  # the level label, as in the matrix (Provider, Customer, Shared, N/A)
    "critical_focus",  # Yes | No
    "provider_does",
    "customer_does",
    "example",
)


def responsibility_rows(fw: model.Framework) -> list[dict]:
    """Return the long table: one dict per cell in matrix order, keyed by RESPONSIBILITY_COLUMNS in order."""
    rows = []
    for cell in fw.cells:
        dm, domain = fw.model(cell.model_id), fw.domain(cell.domain_id)
        values = (
            cell.id,
            dm.id,
            dm.name,
            domain.number,
            domain.id,
            domain.name,
            domain.kind,
            fw.level(cell.level_id).label,
            "Yes" if cell.critical else "No",
            provider_duty(fw, cell),
            customer_duty(fw, cell),
            domain.examples.get(dm.id, ""),
        )
        rows.append(dict(zip(RESPONSIBILITY_COLUMNS, values, strict=True)))
    return rows

"""Plain-data views of the framework: what templates and office renderers receive.

Everything here is dicts, lists and strings, so a (sandboxed) template can read
it and nothing else.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any

from generator import __version__, model


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
    if "customer" in level.owners or not note:
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


def template_context(fw: model.Framework) -> dict:
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
    }

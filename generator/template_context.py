"""The template context: the framework as plain data, what (sandboxed) templates receive.

Everything here is dicts, lists and strings, so a template can read it and nothing else.
"""

from __future__ import annotations

import dataclasses
import types
from datetime import datetime
from typing import Any

from generator import __version__, model
from generator.org.branding import Branding
from generator.tables import customer_duty, mapping_column, names, obligation_rows


def plain(value: Any) -> Any:
    """Turn records, tuples and mapping proxies into JSON-ready dicts and lists."""
    fields = _record_fields(type(value))
    if fields is not None:
        kept = ((name, getattr(value, name), default) for name, default in fields)
        return {name: plain(item) for name, item, default in kept if default is _ALWAYS or item != default}
    if isinstance(value, (dict, types.MappingProxyType)):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


_ALWAYS = object()  # a field written whatever its value


def _record_fields(kind: type) -> tuple[tuple[str, Any], ...] | None:
    """A record type's fields in order, each with the default at which it is left out (a field marked
    omit_default: a general feature the framework does not use) or _ALWAYS; None for other types.

    Looked up once per type (`dataclasses.fields` is slow).
    """
    if kind not in _FIELDS:
        _FIELDS[kind] = (
            tuple((f.name, _omitted_at(f)) for f in dataclasses.fields(kind))
            if dataclasses.is_dataclass(kind)
            else None
        )
    return _FIELDS[kind]


def _omitted_at(f: dataclasses.Field) -> Any:
    if not f.metadata.get("omit_default"):
        return _ALWAYS
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


_FIELDS: dict[type, tuple[tuple[str, Any], ...] | None] = {}


def cell_view(fw: model.Framework, cell: model.Cell) -> dict:
    """Return one cell with its level, model, domain and duties spelt out."""
    domain, dm = fw.domain(cell.domain_id), fw.model(cell.model_id)
    return {
        "id": cell.id,
        "domain_id": domain.id,
        "model_id": dm.id,
        "level": level_view(fw.level(cell.level_id)) if cell.level_id is not None else None,  # None: per party
        "values": [{"party": plain(p), "level": level_view(v)} for p, v in fw.values(cell)],  # party None: one value
        "label": fw.cell_label(cell, gap=" "),  # the level label(s) and, when critical, the marker
        "critical": cell.critical,
        "customer_duty": customer_duty(fw, cell),
        "example": domain.examples.get(dm.id, ""),
    }


def level_view(level: model.Level) -> dict:
    return {**plain(level), "applicable": level.applicable}


def domain_view(domain: model.Domain) -> dict:
    return {**plain(domain), "label": domain.label, "ai_specific": domain.ai_specific}


def edition_marking(fw: model.Framework, branding: Branding) -> dict:
    """Say whose edition this is: the organisation and the framework version it is based on."""
    based_on = f"based on {fw.info.title} v{fw.info.version}"
    return {
        "organisation": branding.organisation,
        "short_name": branding.short_name or branding.organisation,
        "tailored": branding.organisation is not None,
        "based_on": based_on,
        "label": f"{branding.organisation} edition, {based_on}" if branding.organisation else "",
        "framework_models": fw.framework_model_count,
    }


def document_view(branding: Branding, when: datetime | None = None) -> dict:
    """The edition's document control: classification, every field of `DocumentControl`, and with the build
    time `when` the day it is issued and the day its next review is due (YYYY-MM-DD)."""
    control = branding.document_control
    view = {"classification": branding.classification, **plain(control)}
    view["issue_date"] = control.issue_date.isoformat() if control.issue_date else None
    if when is not None:
        view.update(issued=control.issued(when).isoformat(), next_review=control.next_review(when).isoformat())
    return view


def running_text(fw: model.Framework) -> dict:
    """The words running text takes from the framework's axes, audience and levels.

    `nouns`: the short nouns for a row and a column, one and many ("domain", "models");
    `audience_levels`: the labels of the levels the audience carries; `audience_share`: how it
    carries them, "alone (Customer) or with the provider (Shared)", per party "as Leads or Assists".
    """
    axes, audience = fw.info.axes, fw.info.audience
    levels = [v for v in fw.info.levels if audience in v.owners]
    if fw.info.per_party:
        share = "as " + " or ".join(v.label for v in levels)
    else:
        ways = []
        for v in levels:
            others = tuple(p for p in v.owners if p != audience)
            ways.append(f"with {names(fw, others)} ({v.label})" if others else f"alone ({v.label})")
        share = " or ".join(ways)
    return {
        "nouns": {
            "row": axes.rows.noun,
            "rows": axes.rows.nouns,
            "column": axes.columns.noun,
            "columns": axes.columns.nouns,
        },
        "audience_levels": [v.label for v in levels],
        "audience_share": share,
    }


def template_context(fw: model.Framework, branding: Branding | None = None, when: datetime | None = None) -> dict:
    """Return the whole context every text template receives (`when`: the build time, which dates the edition)."""
    models = [plain(m) for m in fw.models]
    domains = [domain_view(d) for d in fw.domains]
    cells = {c.id: cell_view(fw, c) for c in fw.cells}
    matrix: list[dict[str, Any]] = [
        {"domain": dv, "cells": [cells[f"{dv['id']}.{m['id']}"] for m in models]} for dv in domains
    ]
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
        "axes": plain(fw.info.axes),
        "parties": [plain(p) for p in fw.info.parties],
        "audience": plain(fw.party(fw.info.audience)),
        "per_party": fw.info.per_party,
        "components": plain(fw.components),
        **running_text(fw),
        "levels": [level_view(v) for v in fw.info.levels],
        "models": models,
        "models_by_id": {m["id"]: m for m in models},
        "cells_by_id": cells,
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
        "ai_specific_mark": model.AI_SPECIFIC_MARK,
        "generator_version": __version__,
        "edition": edition_marking(fw, branding or Branding()),  # the key organisation templates know
        "document": document_view(branding or Branding(), when),
        "obligations": obligation_rows(fw),
        "mappings": [mapping_view(fw, walk) for walk in fw.mappings],
    }


def mapping_view(fw: model.Framework, walk: model.Crosswalk) -> dict:
    """One mapped framework for templates: its reference, its rows by domain, counts by relationship."""
    ref = walk.reference
    rows = [
        {
            "domain": domain_view(fw.domain(m.domain_id)),
            "target": plain(m.target),
            "relationship": m.relationship,
            "rationale": m.rationale,
        }
        for m in walk.maps
    ]
    counts = {r: sum(1 for m in walk.maps if m.relationship == r) for r in model.RELATIONSHIPS}
    return {
        **plain(ref),
        "items": None,  # the whole list stays in framework.json; templates use the targets mapped
        "rows": rows,
        "by_domain": {d.id: [r for r in rows if r["domain"]["id"] == d.id] for d in fw.domains},
        "counts": {r: n for r, n in counts.items() if n},
        "column": mapping_column(ref.id),
    }

"""What changed between two framework versions, matched by stable ids."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import Cell, Framework

KINDS = ("model", "domain")
ITEM_CHANGES = ("added", "removed", "renamed", "renumbered")


@dataclass(frozen=True)
class CellChange:
    domain_id: str
    model_id: str
    before: str  # level label (per party: each party's), with the critical marker when set
    after: str

    @property
    def cell_id(self) -> str:
        return f"{self.domain_id}.{self.model_id}"


@dataclass(frozen=True)
class ItemChange:
    """A deployment model or security domain added, removed, renamed or renumbered."""

    change: str  # one of ITEM_CHANGES
    kind: str  # "model" or "domain"
    id: str
    name: str  # the newer name (the older one for a removed item)
    before: str = ""  # old name or number; empty when added
    after: str = ""  # new name or number; empty when removed


@dataclass(frozen=True)
class MappingChange:
    """A domain's target in a mapped framework added, removed, or given another relationship."""

    change: str  # one of MAPPING_CHANGES
    framework: str  # the reference id
    domain_id: str
    target_id: str  # empty for the entry that marks a domain unmapped
    before: str = ""  # the relationship; empty when added
    after: str = ""  # empty when removed


MAPPING_CHANGES = ("added", "removed", "changed")


@dataclass(frozen=True)
class Changes:
    old_version: str
    new_version: str
    items: tuple[ItemChange, ...]
    cells: tuple[CellChange, ...]
    mappings: tuple[MappingChange, ...] = ()  # of the frameworks the newer version maps

    @property
    def renamed(self) -> tuple[tuple[str, str, str], ...]:
        """Return (id, old name, new name) of each renamed item."""
        return tuple((i.id, i.before, i.after) for i in self.items if i.change == "renamed")

    @property
    def renumbered(self) -> tuple[tuple[str, int, int], ...]:
        """Return (id, old number, new number) of each renumbered item."""
        return tuple((i.id, int(i.before), int(i.after)) for i in self.items if i.change == "renumbered")


def compare(old: Framework, new: Framework) -> Changes:
    """Compare two versions: models and domains by id, then every cell both have."""
    items: list[ItemChange] = []
    for kind, old_items, new_items in (("model", old.models, new.models), ("domain", old.domains, new.domains)):
        before = {x.id: x for x in old_items}
        after = {x.id: x for x in new_items}
        items += [ItemChange("added", kind, i, x.name) for i, x in after.items() if i not in before]
        items += [ItemChange("removed", kind, i, x.name) for i, x in before.items() if i not in after]
        for item_id, item in after.items():
            if item_id not in before:
                continue
            if before[item_id].name != item.name:
                items.append(ItemChange("renamed", kind, item_id, item.name, before[item_id].name, item.name))
            if before[item_id].number != item.number:
                numbers = str(before[item_id].number), str(item.number)
                items.append(ItemChange("renumbered", kind, item_id, item.name, *numbers))
    items.sort(key=lambda i: (ITEM_CHANGES.index(i.change), KINDS.index(i.kind)))
    old_cells = {c.id: c for c in old.cells}
    cells = []
    for cell in new.cells:
        previous = old_cells.get(cell.id)
        if previous and _state(previous) != _state(cell):
            cells.append(CellChange(cell.domain_id, cell.model_id, _text(old, previous), _text(new, cell)))
    return Changes(old.info.version, new.info.version, tuple(items), tuple(cells), _mapping_changes(old, new))


def _mapping_changes(old: Framework, new: Framework) -> tuple[MappingChange, ...]:
    """Compare each framework the newer version maps, by (domain id, target id); a relationship may change."""
    old_walks = {w.reference.id: w for w in old.mappings}
    found: list[MappingChange] = []
    for walk in new.mappings:
        ref_id = walk.reference.id
        before = {(m.domain_id, m.target.id if m.target else ""): m.relationship for m in _maps(old_walks.get(ref_id))}
        after = {(m.domain_id, m.target.id if m.target else ""): m.relationship for m in walk.maps}
        for key, relationship in after.items():
            if key not in before:
                found.append(MappingChange("added", ref_id, *key, after=relationship))
            elif before[key] != relationship:
                found.append(MappingChange("changed", ref_id, *key, before[key], relationship))
        found += [MappingChange("removed", ref_id, *key, before=r) for key, r in before.items() if key not in after]
    return tuple(found)


def _maps(walk) -> tuple:
    return walk.maps if walk is not None else ()


def changes_view(changes: Changes | None, new: Framework) -> dict:
    """Return the changes as plain data (framework.json, templates): versions, changed cells and items."""
    version = new.info.version
    if changes is None:
        return {
            "version": version,
            "previous_version": None,
            "summary": f"Framework v{version} has no previous version in this edition's data: nothing to compare.",
            "cells": [],
            "models_and_domains": [],
            "mappings": [],
        }
    cells = [
        {
            "cell_id": c.cell_id,
            "domain_id": c.domain_id,
            "domain_name": new.domain(c.domain_id).name,
            "model_id": c.model_id,
            "model_name": new.model(c.model_id).short_name,
            "before": c.before,
            "after": c.after,
        }
        for c in changes.cells
    ]
    return {
        "version": version,
        "previous_version": changes.old_version,
        "summary": summary(changes, new),
        "cells": cells,
        "models_and_domains": [
            {"change": i.change, "kind": i.kind, "id": i.id, "name": i.name, "before": i.before, "after": i.after}
            for i in changes.items
        ],
        "mappings": [
            {
                "change": m.change,
                "framework": m.framework,
                "domain_id": m.domain_id,
                "domain_name": new.domain(m.domain_id).name,
                "target_id": m.target_id,
                "before": m.before,
                "after": m.after,
            }
            for m in changes.mappings
        ],
    }


def summary(changes: Changes, new: Framework) -> str:
    """Say in one sentence what changed from the previous version, in the framework's words for its axes."""
    rows, columns = new.info.axes.rows, new.info.axes.columns
    count = len(changes.cells)
    cells = f"{count} cell{'s' if count != 1 else ''} changed" if count else "no cell changed"
    others = ", ".join(f"{n} {c}" for c in ITEM_CHANGES if (n := sum(i.change == c for i in changes.items)))
    unchanged = f"no {columns.noun} or {rows.noun} added, removed, renamed or renumbered"
    items = f"{columns.nouns} and {rows.nouns}: {others}" if others else unchanged
    return f"From framework v{changes.old_version} to v{changes.new_version}: {cells}; {items}."


def to_markdown(changes: Changes, new: Framework) -> str:
    """Render a changelog section a release note can include, headed in the framework's words for its axes."""
    axes = new.info.axes
    noun = {"model": axes.columns.noun, "domain": axes.rows.noun}  # an item's kind as the framework says it
    lines = [f"# Changes from framework v{changes.old_version} to v{changes.new_version}", ""]
    for title, change in (("Added", "added"), ("Removed", "removed")):
        if items := [f"{noun[i.kind]} {i.id}" for i in changes.items if i.change == change]:
            lines += [f"## {title}", "", *[f"- {item}" for item in items], ""]
    if changes.renamed:
        lines += ["## Renamed", "", *[f"- `{i}`: {a} → {b}" for i, a, b in changes.renamed], ""]
    if changes.renumbered:
        lines += ["## Renumbered", "", *[f"- `{i}`: {a} → {b}" for i, a, b in changes.renumbered], ""]
    lines += [f"## Responsibility changes ({len(changes.cells)} cells)", ""]
    if changes.cells:
        lines += [f"| {axes.rows.noun.capitalize()} | {axes.columns.name} | Before | After |", "|---|---|---|---|"]
        for c in changes.cells:
            lines.append(
                f"| {new.domain(c.domain_id).name} | {new.model(c.model_id).short_name} | {c.before} | {c.after} |"
            )
    else:
        lines.append("No cell changed.")
    if new.mappings:
        lines += ["", f"## Mapping changes ({len(changes.mappings)})", ""]
        if changes.mappings:
            header = f"| Framework | {axes.rows.noun.capitalize()} | Target | Change | Before | After |"
            lines += [header, "|---|---|---|---|---|---|"]
            for m in changes.mappings:
                name = new.domain(m.domain_id).name
                lines.append(
                    f"| {m.framework} | {name} | {m.target_id or 'none'} | {m.change} | {m.before} | {m.after} |"
                )
        else:
            lines.append("No mapping changed.")
    return "\n".join(lines) + "\n"


def _state(cell: Cell) -> tuple:
    """What a cell says: its level or each party's level, and its critical mark."""
    return cell.level_id, dict(cell.party_levels), cell.critical


def _text(fw: Framework, cell) -> str:
    return fw.cell_label(cell)

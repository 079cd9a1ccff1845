"""What changed between two framework versions, matched by stable ids."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import Framework


@dataclass(frozen=True)
class CellChange:
    domain_id: str
    model_id: str
    before: str  # level label, with the critical marker when set
    after: str


@dataclass(frozen=True)
class Changes:
    old_version: str
    new_version: str
    added: tuple[str, ...]  # "model saas-ai", "domain x": things only the new version has
    removed: tuple[str, ...]
    renamed: tuple[tuple[str, str, str], ...]  # (id, old name, new name)
    renumbered: tuple[tuple[str, int, int], ...]  # (id, old number, new number)
    cells: tuple[CellChange, ...]


def compare(old: Framework, new: Framework) -> Changes:
    """Compare two versions: models and domains by id, then every cell both have."""
    added, removed, renamed, renumbered = [], [], [], []
    for kind, old_items, new_items in (("model", old.models, new.models), ("domain", old.domains, new.domains)):
        before = {x.id: x for x in old_items}
        after = {x.id: x for x in new_items}
        added += [f"{kind} {i}" for i in after if i not in before]
        removed += [f"{kind} {i}" for i in before if i not in after]
        for item_id, item in after.items():
            if item_id not in before:
                continue
            if before[item_id].name != item.name:
                renamed.append((item_id, before[item_id].name, item.name))
            if before[item_id].number != item.number:
                renumbered.append((item_id, before[item_id].number, item.number))
    old_cells = {c.id: c for c in old.cells}
    cells = []
    for cell in new.cells:
        previous = old_cells.get(cell.id)
        if previous and (previous.level_id, previous.critical) != (cell.level_id, cell.critical):
            cells.append(CellChange(cell.domain_id, cell.model_id, _text(old, previous), _text(new, cell)))
    return Changes(
        old.info.version,
        new.info.version,
        tuple(added),
        tuple(removed),
        tuple(renamed),
        tuple(renumbered),
        tuple(cells),
    )


def to_markdown(changes: Changes, new: Framework) -> str:
    """Render a changelog section a release note can include."""
    lines = [f"# Changes from framework v{changes.old_version} to v{changes.new_version}", ""]
    for title, items in (("Added", changes.added), ("Removed", changes.removed)):
        if items:
            lines += [f"## {title}", "", *[f"- {item}" for item in items], ""]
    if changes.renamed:
        lines += ["## Renamed", "", *[f"- `{i}`: {a} → {b}" for i, a, b in changes.renamed], ""]
    if changes.renumbered:
        lines += ["## Renumbered", "", *[f"- `{i}`: {a} → {b}" for i, a, b in changes.renumbered], ""]
    lines += [f"## Responsibility changes ({len(changes.cells)} cells)", ""]
    if changes.cells:
        lines += ["| Domain | Deployment model | Before | After |", "|---|---|---|---|"]
        for c in changes.cells:
            lines.append(
                f"| {new.domain(c.domain_id).name} | {new.model(c.model_id).short_name} | {c.before} | {c.after} |"
            )
    else:
        lines.append("No cell changed.")
    return "\n".join(lines) + "\n"


def _text(fw: Framework, cell) -> str:
    return fw.cell_label(cell)

"""Checks across records and files, then the join into one Framework."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from generator import model
from generator.problems import Problem
from generator.source.yaml_reader import Document, KeyPath


def join(records: dict[str, Any], docs: dict[str, Document]) -> tuple[model.Framework | None, list[Problem]]:
    """Cross-check schema-valid records and join them; return the framework or the problems."""
    checker = _Checker(records, docs)
    checker.run()
    if checker.problems:
        return None, checker.problems
    return checker.framework(), []


class _Checker:
    def __init__(self, records: dict[str, Any], docs: dict[str, Document]):
        self.records, self.docs = records, docs
        self.problems: list[Problem] = []
        self.info: model.FrameworkInfo = records["framework.yaml"]
        self.models: tuple[model.DeploymentModel, ...] = records["models.yaml"].models
        self.domains: tuple[model.Domain, ...] = records["domains.yaml"].domains
        self.matrix: model.Grid = records["matrix.yaml"]
        self.roles: model.RolesFile = records["roles.yaml"]
        self.guidance: model.Guidance = records.get("guidance.yaml", model.Guidance())
        self.model_ids = [m.id for m in self.models]
        self.domain_ids = [d.id for d in self.domains]
        self.level_ids = list(self.info.level_ids)
        self.cells: list[model.Cell] = []

    def report(self, file_name: str, key_path: KeyPath, message: str) -> None:
        self.problems.append(self.docs[file_name].problem(key_path, message))

    def run(self) -> None:
        self.check_framework_info()
        self.check_models()
        self.check_domains()
        self.check_matrix()
        self.check_roles()
        if "guidance.yaml" in self.docs:
            self.check_guidance()
        if "mappings.yaml" in self.records:
            self.check_mappings()
        if "components.yaml" in self.records:
            self.check_components()

    # --- per file ---------------------------------------------------------

    def check_framework_info(self) -> None:
        f, info = "framework.yaml", self.info
        for key in ("principles", "parties", "levels", "categories"):
            self.unique(f, (key,), [x.id for x in getattr(info, key)], "id")
        self.unique(f, ("levels",), [v.label for v in info.levels], "label")
        party_ids = [p.id for p in info.parties]
        self.known(f, ("audience",), info.audience, party_ids, "party")
        self.known(f, ("cell_values",), info.cell_values, model.CELL_VALUES, "kind of cell")
        self.unique(f, ("value_parties",), info.value_parties, "party")
        for i, party in enumerate(info.value_parties):
            self.known(f, ("value_parties", i), party, party_ids, "party")
        for i, level in enumerate(info.levels):
            for j, owner in enumerate(level.owners):
                self.known(f, ("levels", i, "owners", j), owner, party_ids, "party")
            for j, party in enumerate(level.parties):
                self.known(f, ("levels", i, "parties", j), party, party_ids, "party")
            if level.accountable is not None:
                self.known(f, ("levels", i, "accountable"), level.accountable, level.owners, "owner")
        for party in info.shared_split:
            self.known(f, ("shared_split", party), party, party_ids, "party")

    def check_models(self) -> None:
        f = "models.yaml"
        self.unique(f, ("models",), self.model_ids, "id")
        self.unique(f, ("models",), [m.number for m in self.models], "number")
        self.unique(f, ("models",), [m.short_name for m in self.models], "short_name")
        categories = [c.id for c in self.info.categories]
        for i, m in enumerate(self.models):
            self.known(f, ("models", i, "category"), m.category, categories, "category")

    def check_domains(self) -> None:
        f = "domains.yaml"
        self.unique(f, ("domains",), self.domain_ids, "id")
        self.unique(f, ("domains",), [d.number for d in self.domains], "number")
        for i, d in enumerate(self.domains):
            self.known(f, ("domains", i, "kind"), d.kind, model.DOMAIN_KINDS, "kind")
            for model_id in d.examples:
                self.known(f, ("domains", i, "examples", model_id), model_id, self.model_ids, "model id")
            for level_id in d.level_notes:
                self.known(f, ("domains", i, "level_notes", level_id), level_id, self.level_ids, "level id")

    def check_matrix(self) -> None:
        f, grid = "matrix.yaml", self.matrix
        if not self.info.per_party:
            if grid.by_party:
                self.report(f, ("by_party",), "found by_party in a framework of one level per cell; use rows")
            self.check_columns(f, ("columns",), grid.columns, self.model_ids, "model")
            self.check_rows(f, ("rows",), grid.rows, len(grid.columns), self.domain_ids, "domain")
            for domain_id, model_id, i, text in self.grid_cells(grid.rows):
                parsed = self.parse_level(("rows", domain_id, i), text, model_id)
                if parsed:
                    self.cells.append(model.Cell(domain_id, model_id, parsed[0].id, parsed[1]))
            return
        if grid.rows:
            self.report(f, ("rows",), "found rows in a framework of a level per party; use by_party: {party: rows}")
        parties = self.info.cell_parties
        self.check_columns(f, ("columns",), grid.columns, self.model_ids, "model")
        if self.info.audience not in parties:
            self.report(
                "framework.yaml", ("value_parties",), f"the audience {self.info.audience} needs a value; add it"
            )
        for party in grid.by_party:
            self.known(f, ("by_party", party), party, parties, "party")
        found: dict[tuple[str, str], dict[str, tuple[model.Level, bool]]] = {}
        for party in parties:
            rows = grid.by_party.get(party)
            if rows is None:
                self.report(f, ("by_party",), f"party {party} has no grid; add `{party}: {{<row id>: [...]}}`")
                continue
            at = ("by_party", party)
            self.check_rows(f, at, rows, len(grid.columns), self.domain_ids, "domain")
            for domain_id, model_id, i, text in self.grid_cells(rows):
                parsed = self.parse_level((*at, domain_id, i), text, model_id)
                if parsed and parsed[0].parties and party not in parsed[0].parties:
                    allowed = ", ".join(parsed[0].parties)
                    self.report(f, (*at, domain_id, i), f"{parsed[0].label!r} is given only to {allowed}, not {party}")
                elif parsed:
                    found.setdefault((domain_id, model_id), {})[party] = parsed
        for (domain_id, model_id), by_party in found.items():
            if len(by_party) == len(parties):
                levels = {p: level.id for p, (level, _) in by_party.items()}
                critical = any(c for _, c in by_party.values())
                self.cells.append(model.Cell(domain_id, model_id, None, critical, levels))

    def grid_cells(self, rows: Any) -> Iterable[tuple[str, str, int, str]]:
        """Yield (row id, column id, index, text) of every complete row in the framework's row order."""
        columns = self.matrix.columns
        for domain_id in self.domain_ids:
            row = rows.get(domain_id)
            if row is not None and len(row) == len(columns):
                for i, (model_id, text) in enumerate(zip(columns, row, strict=True)):
                    yield domain_id, model_id, i, text

    def parse_level(self, key: KeyPath, text: str, model_id: str) -> tuple[model.Level, bool] | None:
        """Return a matrix text's level and whether it carries the critical marker; report what is wrong."""
        marker = self.info.critical_marker
        by_label = {v.label: v for v in self.info.levels}
        critical = text.endswith(marker)
        label = text[: -len(marker)].rstrip() if critical else text
        level = by_label.get(label)
        if level is None:
            hint = f"; add {marker} to mark a critical focus area"
            self.report(
                "matrix.yaml", key, f"found level {text!r} for {model_id}, expected one of {', '.join(by_label)}{hint}"
            )
            return None
        if critical and not level.applicable:
            self.report(
                "matrix.yaml", key, f"{text!r}: a {level.label} cell cannot be a critical focus area; remove {marker}"
            )
            return None
        return level, critical

    def check_components(self) -> None:
        f, comp = "components.yaml", self.records["components.yaml"]
        party_ids, level_ids = [p.id for p in comp.parties], [v.id for v in comp.levels]
        self.unique(f, ("parties",), party_ids, "id")
        self.unique(f, ("levels",), level_ids, "id")
        for row_id, components in comp.tables.items():
            self.known(f, ("tables", row_id), row_id, self.domain_ids, "row id")
            self.unique(f, ("tables", row_id), [c.name for c in components], "component name")
            for i, component in enumerate(components):
                for party, level_id in component.values.items():
                    self.known(f, ("tables", row_id, i, "values", party), party, party_ids, "party")
                    self.known(f, ("tables", row_id, i, "values", party), level_id, level_ids, "level id")
                for party in party_ids:
                    if party not in component.values:
                        self.report(f, ("tables", row_id, i, "values"), f"no value for party {party}; add one")

    def check_roles(self) -> None:
        f, raci = "roles.yaml", self.roles.raci
        role_ids = [r.id for r in self.roles.roles]
        self.unique(f, ("roles",), role_ids, "id")
        self.check_columns(f, ("raci", "columns"), raci.columns, role_ids, "role")
        self.check_rows(f, ("raci", "rows"), raci.rows, len(raci.columns), self.domain_ids, "domain")
        letters = ", ".join(model.RACI_LETTERS)
        for domain_id, row in raci.rows.items():
            for i, letter in enumerate(row):
                if letter not in model.RACI_LETTERS:
                    self.report(f, ("raci", "rows", domain_id, i), f"found {letter!r}, expected one of {letters}")
            accountable = model.accountable_roles(zip(raci.columns, row, strict=False))
            if len(accountable) != 1:
                found = f"{len(accountable)}: {', '.join(accountable)}" if accountable else "none"
                self.report(f, ("raci", "rows", domain_id), f"expected exactly one A (accountable role), found {found}")
        for domain_id in self.domain_ids:
            if domain_id not in raci.rationale:
                self.report(f, ("raci", "rationale"), f"no rationale for domain {domain_id}; add one")
        for domain_id in raci.rationale:
            self.known(f, ("raci", "rationale", domain_id), domain_id, self.domain_ids, "domain")

    def check_guidance(self) -> None:
        f, g = "guidance.yaml", self.guidance
        for key in ("control_patterns", "complexity_patterns"):
            for i, pattern in enumerate(getattr(g, key)):
                for j, model_id in enumerate(pattern.models):
                    self.known(f, (key, i, "models", j), model_id, self.model_ids, "model id")
        for i, decision in enumerate(g.decision_guide):
            self.known(f, ("decision_guide", i, "model"), decision.model, self.model_ids, "model id")

    def check_mappings(self) -> None:
        f = "mappings.yaml"
        for ref_id, domains in self.records[f].frameworks.items():
            reference: model.Reference = self.records[f"references/{ref_id}.yaml"]
            if reference.id != ref_id:
                self.report(f"references/{ref_id}.yaml", ("id",), f"found id {reference.id!r}, expected {ref_id!r}")
            self.unique(f"references/{ref_id}.yaml", ("items",), [t.id for t in reference.items], "id")
            target_ids = [t.id for t in reference.items]
            for domain_id, entries in domains.items():
                at = ("frameworks", ref_id, domain_id)
                self.known(f, at, domain_id, self.domain_ids, "domain id")
                if not entries:
                    self.report(
                        f, at, "no targets; list them, or one no-relationship entry without target to mark it unmapped"
                    )
                for i, entry in enumerate(entries):
                    if entry.target is None and (entry.relationship != model.NO_RELATIONSHIP or len(entries) > 1):
                        self.report(
                            f, (*at, i), "missing key target; only a domain's single no-relationship entry may omit it"
                        )
                    elif entry.target is not None and entry.target not in target_ids:
                        close = difflib.get_close_matches(entry.target, target_ids, n=1)
                        hint = f"did you mean {close[0]!r}?" if close else f"see data/references/{ref_id}.yaml"
                        self.report(
                            f, (*at, i, "target"), f"unknown {reference.short_name} id {entry.target!r}; {hint}"
                        )
                self.unique(f, at, [e.target for e in entries if e.target], "target")
            for domain_id in self.domain_ids:
                if domain_id not in domains:
                    self.report(
                        f,
                        ("frameworks", ref_id),
                        f"domain {domain_id} is not mapped to {ref_id}; add its targets or mark it no-relationship",
                    )

    def crosswalks(self) -> tuple[model.Crosswalk, ...]:
        if "mappings.yaml" not in self.records:
            return ()
        walks = []
        for ref_id, domains in self.records["mappings.yaml"].frameworks.items():
            reference: model.Reference = self.records[f"references/{ref_id}.yaml"]
            items = {t.id: t for t in reference.items}
            maps = tuple(
                model.DomainMap(d, items[e.target] if e.target else None, e.relationship, e.rationale)
                for d in self.domain_ids
                for e in domains[d]
            )
            walks.append(model.Crosswalk(reference, maps))
        return tuple(walks)

    # --- shared checks ----------------------------------------------------

    def check_columns(self, f: str, at: KeyPath, columns: tuple[str, ...], column_ids: list[str], kind: str) -> None:
        """Check a grid's `columns` (at `at`): each a known id, once, and every id there."""
        self.unique(f, at, list(columns), kind)
        for i, column in enumerate(columns):
            self.known(f, (*at, i), column, column_ids, f"{kind} id")
        for column in column_ids:
            if column not in columns:
                self.report(f, at, f"{kind} {column} has no column; add it")

    def check_rows(self, f: str, at: KeyPath, rows: Any, width: int, row_ids: list[str], kind: str) -> None:
        """Check a grid's `rows` (at `at`): each a known id with `width` cells, and every id there."""
        for row_id, row in rows.items():
            self.known(f, (*at, row_id), row_id, row_ids, f"{kind} id")
            if len(row) != width:
                self.report(f, (*at, row_id), f"found {len(row)} cells, expected {width} (one per column)")
        for row_id in row_ids:
            if row_id not in rows:
                self.report(f, at, f"{kind} {row_id} has no row; add `{row_id}: [...]`")

    def unique(self, f: str, at: KeyPath, values: Iterable[Any], what: str) -> None:
        seen: dict[Any, int] = {}
        for i, value in enumerate(values):
            if value in seen:
                self.report(f, (*at, i), f"duplicate {what} {value!r} (also item {seen[value]}); make it unique")
            else:
                seen[value] = i

    def known(self, f: str, at: KeyPath, value: str, allowed: Iterable[str], what: str) -> None:
        allowed = list(allowed)
        if value not in allowed:
            self.report(f, at, f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")

    # --- the join ---------------------------------------------------------

    def framework(self) -> model.Framework:
        order = {d: i for i, d in enumerate(self.domain_ids)}
        model_order = {m: i for i, m in enumerate(self.model_ids)}
        cells = sorted(self.cells, key=lambda c: (order[c.domain_id], model_order[c.model_id]))
        raci = self.roles.raci
        rows = tuple(
            model.RaciRow(d, dict(zip(raci.columns, raci.rows[d], strict=True)), raci.rationale[d])
            for d in self.domain_ids
        )
        return model.Framework(
            info=self.info,
            models=tuple(sorted(self.models, key=lambda m: m.number)),
            domains=tuple(sorted(self.domains, key=lambda d: d.number)),
            cells=tuple(cells),
            roles=self.roles.roles,
            raci=rows,
            framework_model_count=len(self.models),
            guidance=self.guidance,
            mappings=self.crosswalks(),
            components=self.records.get("components.yaml"),
        )

"""Checks across records and files, then the join into one Framework."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from generator import model
from generator.problems import Problem
from generator.source.yaml_reader import Document, KeyPath

REQUIRED_PARTIES = (model.PROVIDER_PARTY, model.CUSTOMER_PARTY)


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

    # --- per file ---------------------------------------------------------

    def check_framework_info(self) -> None:
        f, info = "framework.yaml", self.info
        for key in ("principles", "parties", "levels", "categories"):
            self.unique(f, (key,), [x.id for x in getattr(info, key)], "id")
        self.unique(f, ("levels",), [v.label for v in info.levels], "label")
        party_ids = [p.id for p in info.parties]
        for required in REQUIRED_PARTIES:
            if required not in party_ids:
                self.report(f, ("parties",), f"no party {required!r}; the duty texts need parties {REQUIRED_PARTIES}")
        for i, level in enumerate(info.levels):
            for j, owner in enumerate(level.owners):
                self.known(f, ("levels", i, "owners", j), owner, party_ids, "party")
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
        self.check_grid(f, (), grid.columns, grid.rows, self.model_ids, "model", self.domain_ids, "domain")
        marker = self.info.critical_marker
        by_label = {v.label: v for v in self.info.levels}
        labels = ", ".join(by_label)
        for domain_id in self.domain_ids:
            row = grid.rows.get(domain_id)
            if row is None or len(row) != len(grid.columns):
                continue
            for i, (model_id, text) in enumerate(zip(grid.columns, row, strict=True)):
                key = ("rows", domain_id, i)
                critical = text.endswith(marker)
                label = text[: -len(marker)].rstrip() if critical else text
                level = by_label.get(label)
                if level is None:
                    hint = f"; add {marker} to mark a critical focus area"
                    self.report(f, key, f"found level {text!r} for {model_id}, expected one of {labels}{hint}")
                elif critical and not level.applicable:
                    self.report(
                        f, key, f"{text!r}: a {level.label} cell cannot be a critical focus area; remove {marker}"
                    )
                else:
                    self.cells.append(model.Cell(domain_id, model_id, level.id, critical))

    def check_roles(self) -> None:
        f, raci = "roles.yaml", self.roles.raci
        role_ids = [r.id for r in self.roles.roles]
        self.unique(f, ("roles",), role_ids, "id")
        self.check_grid(f, ("raci",), raci.columns, raci.rows, role_ids, "role", self.domain_ids, "domain")
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

    def check_grid(
        self,
        f: str,
        at: KeyPath,
        columns: tuple[str, ...],
        rows: Any,
        column_ids: list[str],
        column_kind: str,
        row_ids: list[str],
        row_kind: str,
    ) -> None:
        self.unique(f, (*at, "columns"), list(columns), column_kind)
        for i, column in enumerate(columns):
            self.known(f, (*at, "columns", i), column, column_ids, f"{column_kind} id")
        for column in column_ids:
            if column not in columns:
                self.report(f, (*at, "columns"), f"{column_kind} {column} has no column; add it")
        for row_id, row in rows.items():
            self.known(f, (*at, "rows", row_id), row_id, row_ids, f"{row_kind} id")
            if len(row) != len(columns):
                self.report(
                    f, (*at, "rows", row_id), f"found {len(row)} cells, expected {len(columns)} (one per column)"
                )
        for row_id in row_ids:
            if row_id not in rows:
                self.report(f, (*at, "rows"), f"{row_kind} {row_id} has no row; add `{row_id}: [...]`")

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
        )

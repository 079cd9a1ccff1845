"""The CSV and the RACI workbook of the test-only per-party framework: every party's level read back from the
files, with the critical marks, the axis and party names and the component table."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from generator.edition import make_edition
from generator.pipeline import build
from generator.tables import PER_PARTY_COLUMNS
from tests.test_any_framework import CRITICAL, EXPECTED, PARTY_NAMES

MODEL_LABELS = {"dedicated": "Dedicated", "pooled": "Pooled"}
COMPONENTS = [  # (layer, component, auditor's level, regulator's level) as components.yaml writes them
    ("usage", "Access reviews", "Responsible", "Not Involved"),
    ("runtime", "Incident reports", "Support", "Responsible"),
    ("runtime", "Capacity plans", "Not Involved", "Not Involved"),
]


@pytest.fixture(scope="module")
def tri_out(tmp_path_factory, tri_framework) -> Path:
    """The fixture framework's CSV and workbook (only these formats: the others are not this file's)."""
    out = tmp_path_factory.mktemp("tri-wb")
    build(make_edition(tri_framework, only=("csv", "xlsx")), out)
    return out


@pytest.fixture(scope="module")
def wb(tri_out):
    return openpyxl.load_workbook(next(tri_out.glob("*raci.xlsx")))


def table(ws, name: str) -> list[dict]:
    """The rows of a sheet's named Excel Table as dicts, read by the Table's own range."""
    ref = ws.tables[name].ref
    values = [[c.value for c in row] for row in ws[ref]]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def levels_of(records: list[dict]) -> dict:
    """(layer, model) -> {party id: level label} from long-table rows, checking the party's name as it goes."""
    found: dict = {}
    for r in records:
        assert r["party"] == PARTY_NAMES[r["party_id"]]
        assert r["cell_id"] == f"{r['domain_id']}.{r['model_id']}"
        found.setdefault((r["domain_id"], r["model_id"]), {})[r["party_id"]] = r["level"]
    return found


def critical_of(records: list[dict]) -> set:
    return {(r["domain_id"], r["model_id"]) for r in records if r["critical_focus"] == "Yes"}


def test_the_csv_has_a_row_per_cell_and_party(tri_out):
    with next(tri_out.glob("*responsibilities.csv")).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        records = list(reader)
    assert tuple(reader.fieldnames or ()) == PER_PARTY_COLUMNS
    assert len(records) == 18
    assert levels_of(records) == EXPECTED
    assert critical_of(records) == CRITICAL
    assert all(r["level_id"] == r["level"].lower() for r in records)
    runtime_vendor = next(r for r in records if r["cell_id"] == "runtime.pooled" and r["party_id"] == "vendor")
    nothing = "Nothing beyond any tools it supplies: the host owns this layer in this operating model."
    assert runtime_vendor["does"] == nothing


def test_the_responsibilities_table_matches_the_csv(wb, tri_out):
    records = table(wb["Responsibilities"], "Responsibilities")
    assert len(records) == 18 and tuple(records[0]) == PER_PARTY_COLUMNS
    assert levels_of(records) == EXPECTED
    assert critical_of(records) == CRITICAL
    with next(tri_out.glob("*responsibilities.csv")).open(encoding="utf-8-sig", newline="") as f:
        from_csv = list(csv.DictReader(f))
    assert [{k: "" if v is None else str(v) for k, v in r.items()} for r in records] == from_csv  # empty: None


def test_the_matrix_has_a_column_per_model_and_party(wb):
    ws = wb["Matrix"]
    records = table(ws, "Matrix")
    headers = [c.value for c in ws[1]]
    assert headers[4:10] == [f"{m}: {p}" for m in MODEL_LABELS.values() for p in PARTY_NAMES.values()]
    assert not ws.merged_cells.ranges
    found = {
        (r["domain_id"], model): {party: r[f"{label}: {name}"] for party, name in PARTY_NAMES.items()}
        for r in records
        for model, label in MODEL_LABELS.items()
    }
    assert found == EXPECTED
    ids = {
        (r["domain_id"], model): {party: r[f"{label}: {name} level_id"] for party, name in PARTY_NAMES.items()}
        for r in records
        for model, label in MODEL_LABELS.items()
    }
    assert ids == {key: {p: v.lower() for p, v in value.items()} for key, value in EXPECTED.items()}
    critical = {
        (r["domain_id"], model)
        for r in records
        for model, label in MODEL_LABELS.items()
        if label in (r["critical_focus"] or "").split(", ")
    }
    assert critical == CRITICAL
    # Formatting marks the same cells: underlined with a heavy border, in every party column of the cell.
    for r, record in enumerate(records, 2):
        for c, header in enumerate(headers[4:10], 5):
            model = next(m for m, label in MODEL_LABELS.items() if header.startswith(f"{label}:"))
            cell = ws.cell(r, c)
            marked = cell.font.underline == "single" and cell.border.left.style == "thick"
            assert marked == ((record["domain_id"], model) in CRITICAL), (record["domain_id"], header)


def test_party_raci_holds_each_partys_level(wb):
    records = table(wb["Party RACI"], "PartyRaci")
    assert len(records) == 6
    found = {(r["domain_id"], r["model_id"]): {p: r[name] for p, name in PARTY_NAMES.items()} for r in records}
    assert found == EXPECTED


def test_headings_and_texts_come_from_the_data(wb):
    about = {row[0]: row[1] for row in wb["About"].iter_rows(values_only=True) if row[0]}
    assert about["Framework"] == "Tri-Party Demonstration Framework"
    assert about["Matrix"].startswith("The matrix, one row per layer (Table Matrix)")
    assert "one column per operating model and party" in about["Matrix"]
    assert about["Responsibilities"].startswith("The long table to import: one row per operating model x layer and")
    assert about["RACI"].startswith("Default tenant-side RACI of each layer")
    assert about["Party RACI"].startswith("Tenant, host and vendor: each party's own level")
    assert about["Models"] == "The operating models with ids, category and description (Table Models)."
    assert about["Domains"] == "The layers with ids, kind and description (Table Domains)."
    assert "Mappings" not in about  # the framework maps to no reference framework
    assert about["Leads"] == "The party carries the layer's work and answers for it."  # the legend
    text = " ".join(str(v) for v in about.values())
    for word in ("security domain", "deployment model", "Provider", "Customer", "N/A"):
        assert word not in text.replace("label N/A for missing data", ""), word
    lists = wb["Lists"]
    columns = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    assert columns["Levels"] == ["Leads", "Assists", "Audits", "Uninvolved"]
    assert columns["LevelIds"] == ["leads", "assists", "audits", "uninvolved"]
    assert columns["ComponentLevels"] == ["Responsible", "Support", "Not Involved"]
    assert {"Levels", "LevelIds", "ComponentLevels"} <= set(wb.defined_names)


def test_the_components_table(wb):
    records = table(wb["Components"], "Components")
    assert [(r["domain_id"], r["component"], r["Auditor"], r["Regulator"]) for r in records] == COMPONENTS
    assert {r["domain_name"] for r in records} == {"Usage layer", "Runtime layer"}
    about = [row[1] for row in wb["About"].iter_rows(values_only=True) if row[0] in ("Components", "Tables")]
    assert about[0].startswith("Components by party: one row per layer and component (Table Components)")
    assert "Components (sheet Components)" in about[1]

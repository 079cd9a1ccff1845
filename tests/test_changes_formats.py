"""The changes from framework 1.0.0 to 1.1.0 read back from every format equal the upstream tables' difference."""

from __future__ import annotations

import json
import re

import docx
import openpyxl
import pytest

from generator.edition import make_edition
from generator.org.profile import load_profile
from generator.pipeline import build
from generator.source.load import DATA_DIR, load_framework, load_previous
from tests.upstream import upstream_matrix

# Ids are the slug of the matrix label, except this domain, whose id comes from its full upstream name.
ID_OF_LABEL = {"Multi-System Integration": "multi-system-integration-security"}
CELL_COLUMNS = ["change", "cell_id", "domain_id", "domain_name", "model_id", "model_name", "before", "after"]
WORD_CELLS = ["Cell id", "Security domain", "Deployment model", "Before", "After"]
WORD_ITEMS = ["Change", "Kind", "Id", "Name", "Before", "After"]
NORTHWIND = DATA_DIR.parent / "examples" / "northwind-analytics"


def slug(label: str) -> str:
    return ID_OF_LABEL.get(label) or re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def expected_cells(models: set[str] | None = None) -> set[tuple[str, str, str]]:
    """Return (cell id, before, after) of every cell that differs between the two upstream tables."""
    columns, before = upstream_matrix("1.0.0")
    after_columns, after = upstream_matrix("1.1.0")
    assert columns == after_columns
    found = set()
    for label, cells in after.items():
        for i, column in enumerate(columns):
            if before[label][i] != cells[i] and (models is None or slug(column) in models):
                found.add((f"{slug(label)}.{slug(column)}", before[label][i], cells[i]))
    return found


def expected_renumbered() -> set[tuple[str, str, str]]:
    """Return (domain id, old number, new number) from the row order of the two upstream tables."""
    old = {label: n for n, label in enumerate(upstream_matrix("1.0.0")[1], 1)}
    new = {label: n for n, label in enumerate(upstream_matrix("1.1.0")[1], 1)}
    return {(slug(label), str(old[label]), str(n)) for label, n in new.items() if old[label] != n}


def test_the_upstream_difference_is_35_cells_and_two_swapped_domains():
    assert len(expected_cells()) == 35
    assert expected_renumbered() == {("model-security", "4", "3"), ("user-access-control", "3", "4")}


@pytest.fixture(scope="module")
def first_version(tmp_path_factory):
    out = tmp_path_factory.mktemp("first")
    fw = load_framework(version="1.0.0")
    assert load_previous(fw, DATA_DIR) is None
    build(make_edition(fw, only=["json", "xlsx", "docx", "markdown"]), out)
    return out


@pytest.fixture(scope="module")
def northwind(tmp_path_factory):
    out = tmp_path_factory.mktemp("northwind")
    fw = load_framework()
    profile = load_profile(NORTHWIND, fw)
    build(make_edition(fw, profile, only=["json", "xlsx"], previous=load_previous(fw, DATA_DIR)), out)
    return out, profile


def workbook_changes(path) -> tuple[set, set]:
    ws = openpyxl.load_workbook(path)["Changes"]
    table = ws.tables["Changes"]
    rows = [[c.value for c in row] for row in ws[table.ref]]
    assert rows[0] == CELL_COLUMNS
    records = [dict(zip(CELL_COLUMNS, row, strict=True)) for row in rows[1:]]
    cells = {(r["cell_id"], r["before"], r["after"]) for r in records if r["change"] == "cell"}
    for r in records:
        if r["change"] == "cell":
            assert r["cell_id"] == f"{r['domain_id']}.{r['model_id']}"
    items = {(r["change"], r["domain_id"], r["before"], r["after"]) for r in records if r["change"] != "cell"}
    assert len(cells) == sum(r["change"] == "cell" for r in records)
    return cells, items


def test_workbook_changes_sheet_matches_upstream(build_dir):
    cells, items = workbook_changes(build_dir / "ai-security-responsibility-raci.xlsx")
    assert cells == expected_cells()
    assert items == {("renumbered", d, a, b) for d, a, b in expected_renumbered()}


def test_workbook_about_names_the_followed_and_previous_version(build_dir, first_version):
    facts = {
        row[0].value: row[1].value
        for row in openpyxl.load_workbook(build_dir / "ai-security-responsibility-raci.xlsx")["About"].iter_rows()
    }
    assert facts["Version"] == "1.1.0"
    assert facts["Previous version"].startswith("1.0.0")
    first = openpyxl.load_workbook(first_version / "ai-security-responsibility-raci.xlsx")
    assert {row[0].value: row[1].value for row in first["About"].iter_rows()}["Previous version"].startswith("No ")
    assert not first["Changes"].tables
    assert "no previous version" in first["Changes"]["A1"].value


def word_table(doc, header: list[str]) -> list[list[str]]:
    (table,) = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == header]
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_word_appendix_matches_upstream(build_dir):
    doc = docx.Document(build_dir / "ai-security-responsibility-policy.docx")
    assert "Appendix 4: Changes from the previous framework version" in [p.text for p in doc.paragraphs]
    rows = word_table(doc, WORD_CELLS)
    assert {(r[0], r[3], r[4]) for r in rows} == expected_cells() and len(rows) == 35
    items = word_table(doc, WORD_ITEMS)
    assert {(r[0], r[2], r[4], r[5]) for r in items} == {("renumbered", *x) for x in expected_renumbered()}
    control = dict((r[0], r[1]) for r in word_table(doc, ["Item", "Value"]))
    assert control["Previous framework version"].startswith("v1.0.0")
    (history,) = word_table(doc, ["Version", "Date", "Author", "Changes"])
    assert "Follows framework v1.1.0; the previous version was v1.0.0." in history[3]


def test_json_changes_section_matches_upstream(build_dir):
    changes = json.loads((build_dir / "framework.json").read_text(encoding="utf-8"))["changes"]
    assert (changes["version"], changes["previous_version"]) == ("1.1.0", "1.0.0")
    assert {(c["cell_id"], c["before"], c["after"]) for c in changes["cells"]} == expected_cells()
    items = {(i["change"], i["kind"], i["id"], i["before"], i["after"]) for i in changes["models_and_domains"]}
    assert items == {("renumbered", "domain", *x) for x in expected_renumbered()}


def test_markdown_changes_page_lists_every_changed_cell(build_dir):
    text = (build_dir / "docs" / "changes.md").read_text(encoding="utf-8")
    rows = [
        [part.strip() for part in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("| `")
    ]
    assert {(r[0].strip("`"), r[3], r[4]) for r in rows} == expected_cells()
    assert "(changes.md)" in (build_dir / "docs" / "index.md").read_text(encoding="utf-8")


def test_first_version_says_there_is_no_previous_version_in_every_format(first_version):
    doc = docx.Document(first_version / "ai-security-responsibility-policy.docx")
    assert not [t for t in doc.tables if [c.text for c in t.rows[0].cells] == WORD_CELLS]
    assert any("has no previous version" in p.text for p in doc.paragraphs)
    changes = json.loads((first_version / "framework.json").read_text(encoding="utf-8"))["changes"]
    assert changes["previous_version"] is None and changes["cells"] == []
    assert "first version" in (first_version / "docs" / "changes.md").read_text(encoding="utf-8")


def test_an_edition_lists_only_the_changes_of_its_models(northwind):
    out, profile = northwind
    cells, _ = workbook_changes(out / f"{profile.branding.file_prefix}-raci.xlsx")
    assert cells == expected_cells(set(profile.models_in_use))
    assert 0 < len(cells) < 35

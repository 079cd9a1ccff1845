"""import-raci: the RACI edited in Excel goes back into org.yaml, and nothing else gets in."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter

from generator.cli import main
from generator.org.import_raci import PROFILE_KEYS
from generator.renderers.raci_workbook.workbook import check_formula

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"
SLUG = "northwind-analytics"
WORKBOOK = f"{SLUG}-raci.xlsx"


@pytest.fixture
def profile(tmp_path) -> Path:
    folder = tmp_path / "profile"
    shutil.copytree(EXAMPLE, folder)
    return folder


@pytest.fixture
def exported(profile, tmp_path) -> Path:
    """The edition's RACI workbook, as `build --org` ships it."""
    out = tmp_path / "build"
    assert main(["build", "--org", str(profile), "--out", str(out), "--only", "xlsx"]) == 0
    return out / SLUG / WORKBOOK


def raci_table(ws) -> tuple[list[str], dict[str, dict[str, str]]]:
    headers = [c.value for c in ws[1]]
    roles = headers[3:-1]
    rows = {r[1]: dict(zip(roles, r[3:-1], strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    return roles, rows


def column_of(ws, heading: str) -> int:
    return next(c.column for c in ws[1] if c.value == heading)


def row_of(ws, domain_id: str) -> int:
    return next(c.row for c in ws["B"] if c.value == domain_id)


def about_cell(wb, label: str):
    return next(row[1] for row in wb["About"].iter_rows(max_col=2) if row[0].value == label)


def docx_raci(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    table = next(t for t in docx.Document(path).tables if t.rows[0].cells[0].text == "Security domain")
    headers = [c.text for c in table.rows[0].cells]
    return headers, {row.cells[0].text: [c.text for c in row.cells] for row in table.rows[1:]}


def test_round_trip_changes_two_letters_and_a_name_everywhere(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    row = row_of(ws, "model-security")
    ciso, engineering = column_of(ws, "Office of the CISO"), column_of(ws, "Data Science & Engineering")
    assert (ws.cell(row, ciso).value, ws.cell(row, engineering).value) == ("A", "R")
    ws.cell(row, ciso).value, ws.cell(row, engineering).value = "R", "A"
    ws.cell(1, engineering).value = "ML Platform Team"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    before = (profile / "org.yaml").read_text(encoding="utf-8")

    assert main(["import-raci", str(edited), "--org", str(profile)]) == 0
    out = capsys.readouterr().out
    assert "role ai-ml-engineering renamed: 'Data Science & Engineering' -> 'ML Platform Team'" in out
    assert "RACI model-security / security-leadership: A -> R" in out
    assert "RACI model-security / ai-ml-engineering: R -> A" in out
    assert "-    ai-ml-engineering: Data Science & Engineering\n+    ai-ml-engineering: ML Platform Team" in out
    after = (profile / "org.yaml").read_text(encoding="utf-8")
    kept = [line for line in before.splitlines() if line.startswith("#")]
    assert kept and all(line in after.splitlines() for line in kept)  # comments kept
    assert after.index("name:") < after.index("models_in_use:") < after.index("raci_overrides:")  # order kept
    assert "  model-security:\n    security-leadership: R\n    ai-ml-engineering: A\n" in after

    out_dir = tmp_path / "rebuilt"
    assert main(["build", "--org", str(profile), "--out", str(out_dir), "--only", "xlsx,docx"]) == 0
    roles, rows = raci_table(openpyxl.load_workbook(out_dir / SLUG / WORKBOOK)["RACI"])
    assert "ML Platform Team" in roles and "Data Science & Engineering" not in roles
    assert rows["model-security"]["Office of the CISO"] == "R"
    assert rows["model-security"]["ML Platform Team"] == "A"
    headers, doc_rows = docx_raci(out_dir / SLUG / f"{SLUG}-policy.docx")
    assert "ML Platform Team" in headers
    model_row = next(cells for name, cells in doc_rows.items() if name.endswith("Model Security"))
    assert model_row[headers.index("ML Platform Team")] == "A"
    assert model_row[headers.index("Office of the CISO")] == "R"

    assert main(["build", "--org", str(profile), "--out", str(out_dir), "--only", "oscal,ciso"]) == 0
    definition = json.loads((out_dir / SLUG / f"{SLUG}-oscal-component-definition.json").read_text())
    titles = {r["id"]: r["title"] for r in definition["component-definition"]["metadata"]["roles"]}
    assert titles["ai-ml-engineering"] == "ML Platform Team"
    library = yaml.safe_load((out_dir / SLUG / f"{SLUG}-ciso-assistant.yaml").read_text(encoding="utf-8"))
    nodes = library["objects"]["framework"]["requirement_nodes"]
    model_nodes = [n for n in nodes if n["ref_id"].startswith("model-security.")]
    assert model_nodes and all("Accountable role: ML Platform Team." in n["annotation"] for n in model_nodes)

    # The rebuilt, unchanged workbook imports as no change at all.
    snapshot = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(out_dir / SLUG / WORKBOOK), "--org", str(profile)]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert (profile / "org.yaml").read_bytes() == snapshot


def test_unchanged_workbook_changes_nothing(profile, exported, capsys):
    before = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(exported), "--org", str(profile)]) == 0
    assert "already matches the workbook; nothing to change" in capsys.readouterr().out
    assert (profile / "org.yaml").read_bytes() == before


def test_dry_run_prints_and_writes_nothing(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    ws.cell(row_of(ws, "data-privacy"), column_of(ws, "AI Review Board")).value = "C"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    before = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(edited), "--org", str(profile), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "RACI data-privacy / ai-review-board: I -> C" in out and "+  data-privacy:" in out
    assert "dry run, nothing written" in out
    assert (profile / "org.yaml").read_bytes() == before


def test_a_letter_set_back_to_the_default_drops_its_override(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    ws.cell(row_of(ws, "supply-chain-security"), column_of(ws, "AI Review Board")).value = "I"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert main(["import-raci", str(edited), "--org", str(profile)]) == 0
    after = (profile / "org.yaml").read_text(encoding="utf-8")
    assert "supply-chain-security" not in after and "agent-governance:" in after


def test_scaffolded_profile_gains_block_style_overrides_and_renames(tmp_path, capsys):
    folder = tmp_path / "acme"
    assert main(["init-org", str(folder), "--name", "Acme Ltd"]) == 0
    assert main(["build", "--org", str(folder), "--out", str(tmp_path / "b"), "--only", "xlsx"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "b" / "acme-ltd" / "acme-ltd-raci.xlsx")
    ws = wb["RACI"]
    ws.cell(1, column_of(ws, "Security Leadership (CISO)")).value = "Office of the CISO"
    ws.cell(row_of(ws, "data-privacy"), column_of(ws, "IT & Infrastructure")).value = "R"
    wb.save(tmp_path / "edited.xlsx")
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(folder)]) == 0
    text = (folder / "org.yaml").read_text(encoding="utf-8")
    assert "raci_overrides:\n  data-privacy:\n    it-infrastructure: R\n" in text
    assert "roles:\n  rename:\n    security-leadership: Office of the CISO\n" in text
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == [k for k in PROFILE_KEYS if k in keys]  # a new block goes in its documented place, not at the end
    assert keys.index("roles") == keys.index("models_in_use") + 1
    capsys.readouterr()
    assert main(["build", "--org", str(folder), "--out", str(tmp_path / "c"), "--only", "xlsx"]) == 0


# --- refused, with org.yaml left byte-identical ----------------------------------


def add_role_column(wb):
    ws = wb["RACI"]
    at = column_of(ws, "check")
    ws.insert_cols(at)
    ws.cell(1, at).value = "Chief Vibes Officer"
    for r in range(2, ws.max_row + 1):
        ws.cell(r, at).value = "I"


def drop_role_column(wb):
    wb["RACI"].delete_cols(6)


def duplicate_role_names(wb):
    ws = wb["RACI"]
    ws.cell(1, 4).value = ws.cell(1, 5).value = "Security Team"


def set_letter(value, domain="data-privacy", role="IT & Infrastructure"):
    def edit(wb):
        ws = wb["RACI"]
        ws.cell(row_of(ws, domain), column_of(ws, role)).value = value

    return edit


def accountable_to(letter):
    def edit(wb):
        ws = wb["RACI"]
        row = row_of(ws, "application-security")
        cell = next(c for c in ws[row][3:-1] if c.value == "A")
        other = next(c for c in ws[row][3:-1] if c.value != "A")
        if letter == "none":
            cell.value = "R"
        else:
            other.value = "A"

    return edit


def rename_sheet(wb):
    wb["RACI"].title = "RACI edited"


def drop_sheet(wb):
    del wb["RACI"]


def drop_domain_row(wb):
    ws = wb["RACI"]
    ws.delete_rows(5)
    check = column_of(ws, "check")
    for r in range(5, ws.max_row + 1):  # a spreadsheet moves each formula with its row
        ws.cell(r, check).value = check_formula("D", get_column_letter(check - 1), r)


def duplicate_domain_row(wb):
    ws = wb["RACI"]
    ws["B5"] = ws["B4"].value


def rename_domain(wb):
    wb["RACI"]["C2"] = "AppSec"


def add_row(wb):
    ws = wb["RACI"]
    ws.cell(ws.max_row + 1, 2).value = "prompt-vibes"


def formula(wb):
    ws = wb["RACI"]
    ws.cell(row_of(ws, "data-privacy"), 4).value = '=IF(1,"A","R")'


def check_typed_over(wb):
    ws = wb["RACI"]
    ws.cell(row_of(ws, "data-privacy"), column_of(ws, "check")).value = "OK"


def check_of_another_row(wb):
    ws = wb["RACI"]
    cell = ws.cell(row_of(ws, "data-privacy"), column_of(ws, "check"))
    cell.value = ws.cell(cell.row + 1, cell.column).value


def other_version(wb):
    about_cell(wb, "Version").value = "1.0.0"


def other_organisation(wb):
    about_cell(wb, "Organisation").value = "Contoso"


def edit_matrix(wb):
    ws = wb["Matrix"]
    ws["E4"], ws["F9"] = "Ours", "Theirs"


def edit_models(wb):
    wb["Models"]["C2"] = "Our SaaS"


MALFORMED = {  # case: (edit, expected text, number of problems)
    "unknown role column": (add_role_column, "sheet RACI, cell M1: unknown column 'Chief Vibes Officer'", 1),
    "missing role column": (drop_role_column, "sheet RACI, row 1: no column for role data-protection", 1),
    "duplicated role column": (duplicate_role_names, "sheet RACI, cell E1: duplicated column 'Security Team'", 2),
    "bad letter X": (set_letter("X"), "cell J", 1),
    "empty letter": (set_letter(None), "found None for data-privacy / it-infrastructure", 1),
    "number for a letter": (set_letter(1), "found 1 for data-privacy", 1),
    "no A": (accountable_to("none"), "domain application-security must have exactly one A, found none", 1),
    "two As": (accountable_to("two"), "domain application-security must have exactly one A, found", 1),
    "renamed sheet": (rename_sheet, "sheet RACI: missing (sheets:", 1),
    "missing sheet": (drop_sheet, "sheet RACI: missing", 1),
    "missing domain row": (drop_domain_row, "sheet RACI, column B (domain_id): no row for domain '", 1),
    "duplicated domain row": (duplicate_domain_row, "sheet RACI, cell B5: domain 'model-security' again (first", 2),
    "renamed domain row": (rename_domain, "sheet RACI, cell C2: found 'AppSec' as application-security's", 1),
    "extra row": (add_row, "sheet RACI, cell B18: unknown domain id 'prompt-vibes'", 1),
    "formula": (formula, "holds the formula", 1),
    "check typed over": (check_typed_over, "found 'OK', expected the formula =IF(COUNTIF(D", 1),
    "check of another row": (check_of_another_row, "the check column computes and is not imported", 1),
    "other framework version": (other_version, "framework version '1.0.0', expected '1.1.0'", 1),
    "other organisation": (other_organisation, "organisation 'Contoso', expected 'Northwind Analytics & Co. <Ltd>'", 1),
    "matrix edited": (edit_matrix, "sheet Matrix: edited Matrix!E4, Matrix!F9; the Matrix sheet is the framework's", 1),
    "models edited": (edit_models, "sheet Models: edited Models!C2; the Models sheet is the framework's", 1),
}


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_workbook_is_refused_and_org_yaml_kept(case, profile, exported, tmp_path, capsys):
    edit, expected, count = MALFORMED[case]
    wb = openpyxl.load_workbook(exported)
    edit(wb)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    before = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(edited), "--org", str(profile)]) == 1
    err = capsys.readouterr().err
    lines = problem_lines(err)
    assert "edited.xlsx" in err and expected in err, err
    assert len(lines) == count and all("edited.xlsx: sheet " in line for line in lines), err
    assert "Traceback" not in err
    assert (profile / "org.yaml").read_bytes() == before


def test_a_deleted_role_column_is_named_once_before_anything_else(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    ws.delete_cols(column_of(ws, "Office of the CISO"))  # the column with most of the As
    set_letter("X", "model-security", "IT & Infrastructure")(wb)
    wb.save(tmp_path / "edited.xlsx")
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(profile)]) == 1
    lines = problem_lines(capsys.readouterr().err)
    assert len(lines) == 2, lines
    assert lines[0].endswith("sheet RACI, row 1: no column for role security-leadership ('Office of the CISO'); "
                             "hide a column rather than delete it, drop roles in org.yaml (roles.drop) and export "
                             "the workbook again")  # fmt: skip
    assert "found 'X' for model-security / it-infrastructure" in lines[1]


def test_problems_are_listed_in_sheet_order(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    for row, column in ((10, 4), (2, 10), (2, 4), (11, 1), (10, 10)):
        ws.cell(row, column).value = "X" if column > 1 else 99
    wb.save(tmp_path / "edited.xlsx")
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(profile)]) == 1
    places = [line.split("sheet RACI, cell ")[1].split(":")[0] for line in problem_lines(capsys.readouterr().err)]
    assert places == ["D2", "J2", "D10", "J10", "A11"]


def sort_rows(ws, key) -> None:
    """Sort the data rows as a spreadsheet does: every value moves with its row, the check formulas stay
    relative to their own row (so, being the same in every row but for the row number, they stay put)."""
    check = column_of(ws, "check")
    rows = [[ws.cell(r, c).value for c in range(1, check)] for r in range(2, ws.max_row + 1)]
    for r, values in enumerate(sorted(rows, key=key), 2):
        for c, value in enumerate(values, 1):
            ws.cell(r, c).value = value


def test_rows_sorted_columns_swapped_hidden_and_filtered_import_as_the_letters_they_show(
    profile, exported, tmp_path, capsys
):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    sort_rows(ws, key=lambda row: row[2])  # by domain_name
    assert ws["B2"].value != "application-security"
    for r in range(1, ws.max_row + 1):  # two role columns swapped, headings with them; the range stays D:L
        ws.cell(r, 4).value, ws.cell(r, 5).value = ws.cell(r, 5).value, ws.cell(r, 4).value
    ws.column_dimensions["C"].hidden = True
    ws.auto_filter.ref = ws.tables["RaciDefault"].ref
    ws.auto_filter.add_filter_column(0, ["1", "2", "3"])
    for r in (5, 9):
        ws.row_dimensions[r].hidden = True
    set_letter("r", "model-security", "Office of the CISO")(wb)  # lower case, either case is fine
    set_letter("a", "model-security", "Data Science & Engineering")(wb)
    wb.save(tmp_path / "edited.xlsx")
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(profile), "--dry-run"]) == 0, (
        capsys.readouterr().err
    )
    out = capsys.readouterr().out
    changes = [line for line in out.splitlines() if line.startswith("RACI ")]
    assert changes == [  # in the edition's role order, whatever the column order
        "RACI model-security / security-leadership: A -> R",
        "RACI model-security / ai-ml-engineering: R -> A",
    ]
    assert "+  model-security:\n+    security-leadership: R\n+    ai-ml-engineering: A\n" in out


def test_bad_letter_names_sheet_cell_and_value(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    cell = ws.cell(row_of(ws, "data-privacy"), column_of(ws, "IT & Infrastructure"))
    cell.value = "X"
    wb.save(tmp_path / "edited.xlsx")
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(profile)]) == 1
    assert f"sheet RACI, cell {cell.coordinate}: found 'X'" in capsys.readouterr().err


def not_xlsx(path: Path) -> None:
    path.write_text("domain,role\nnot,a workbook\n")


def zip_not_xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")


def huge(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(21 * 1024 * 1024)


@pytest.mark.parametrize("make", [not_xlsx, zip_not_xlsx, huge], ids=["text", "zip", "huge"])  # missing: a usage error
def test_a_file_that_is_not_a_workbook_is_refused(make, profile, tmp_path, capsys):
    path = tmp_path / "raci.xlsx"
    make(path)
    before = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(path), "--org", str(profile)]) == 1
    err = capsys.readouterr().err
    assert "raci.xlsx" in err and "not an Excel workbook (.xlsx)" in err and "Traceback" not in err
    assert (profile / "org.yaml").read_bytes() == before


def test_reference_workbook_is_not_an_organisations(profile, tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path / "ref"), "--only", "xlsx"]) == 0
    before = (profile / "org.yaml").read_bytes()
    workbook = tmp_path / "ref" / "ai-security-responsibility-raci.xlsx"
    assert main(["import-raci", str(workbook), "--org", str(profile)]) == 1
    assert "organisation none (the reference edition's workbook)" in capsys.readouterr().err
    assert (profile / "org.yaml").read_bytes() == before


def test_a_rename_the_profile_would_refuse_leaves_org_yaml_alone(profile, exported, tmp_path, capsys):
    wb = openpyxl.load_workbook(exported)
    wb["RACI"].cell(1, 4).value = "Office\tof the CISO"
    wb.save(tmp_path / "edited.xlsx")
    before = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(profile)]) == 1
    assert "control characters" in capsys.readouterr().err
    assert (profile / "org.yaml").read_bytes() == before


def test_the_edit_is_checked_without_copying_the_profile_anywhere(profile, exported, tmp_path, capsys, monkeypatch):
    import tempfile

    def no_scratch(*args, **kwargs):
        raise AssertionError("import-raci made a temporary folder")

    monkeypatch.setattr(tempfile, "mkdtemp", no_scratch)  # the profile's edit is checked in memory
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    ws.cell(row_of(ws, "data-privacy"), column_of(ws, "AI Review Board")).value = "C"
    wb.save(tmp_path / "edited.xlsx")
    assert main(["import-raci", str(tmp_path / "edited.xlsx"), "--org", str(profile)]) == 0, capsys.readouterr().err
    assert "wrote 1 change" in capsys.readouterr().out
    assert [p.name for p in profile.iterdir() if p.name.startswith(".")] == []


# --- org.yaml edited line by line: every other byte stays ---------------------------

HAND_WRITTEN = """\
%YAML 1.1
---
# Northwind, hand-written: flow lists, escapes, 4-space indents, comments and an end marker.
name: "Northwind Analytics \\x26 Co. <Ltd>"   # escaped
short_name: 'Northwind'
file_prefix: northwind-analytics
logo: logo.svg
logo_raster: logo.png
colours:
    primary: "#14365D"
    accent: "#1B998B"
classification: "Confi\\u0064ential"
models_in_use: [saas-ai, paas-ai, agentic-ai, ai-coding]   # four of eight
roles:
    rename: {security-leadership: 'Office of the CISO', ai-ml-engineering: "Data Science \\u0026 Engineering"}
    drop: [procurement-vendor]
    add:
        -   id: ai-review-board
            name: AI Review Board
            description: "Approves new AI use cases.\\n"
# Overrides, reviewed 2026-10.
raci_overrides:
    agent-governance: {ai-review-board: A, risk-governance: R}
    supply-chain-security:
        ai-review-board: C   # the board sees every supplier

# Poster page size.
poster_size: A3
...
"""
RENAMES = "    rename: {security-leadership: 'Office of the CISO', ai-ml-engineering: "
HAND_EDITED = {  # line replaced -> its new lines; every other line stays byte for byte
    RENAMES + '"Data Science \\u0026 Engineering"}\n': RENAMES + '"ML Platform Team"}\n',
    "    agent-governance: {ai-review-board: A, risk-governance: R}\n": (
        "    agent-governance: {ai-review-board: A, risk-governance: R, product-owner: C}\n"
        "    model-security:\n        security-leadership: R\n        ai-ml-engineering: A\n"
    ),
    "    supply-chain-security:\n        ai-review-board: C   # the board sees every supplier\n": "",
}


def edit_by_heading(workbook: Path, out: Path, edits: dict[tuple[str, str], str], headings: dict[str, str]) -> Path:
    wb = openpyxl.load_workbook(workbook)
    ws = wb["RACI"]
    for (domain, role), letter in edits.items():
        ws.cell(row_of(ws, domain), column_of(ws, role)).value = letter
    for old, new in headings.items():
        ws.cell(1, column_of(ws, old)).value = new
    wb.save(out)
    return out


@pytest.mark.parametrize("bom", [False, True], ids=["utf-8", "bom"])
@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_only_the_changed_lines_of_a_hand_written_org_yaml_change(bom, eol, profile, tmp_path, capsys):
    (profile / "org.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    assert main(["build", "--org", str(profile), "--out", str(tmp_path / "b"), "--only", "xlsx"]) == 0
    edited = edit_by_heading(
        tmp_path / "b" / SLUG / WORKBOOK,
        tmp_path / "edited.xlsx",
        {
            ("model-security", "Office of the CISO"): "R",
            ("model-security", "Data Science & Engineering"): "a",
            ("supply-chain-security", "AI Review Board"): "I",  # the default again: the override goes
            ("agent-governance", "Application / Product Owner"): "c",
        },
        {"Data Science & Engineering": "ML Platform Team"},
    )

    def as_written(text: str) -> bytes:
        return (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", eol).encode("utf-8")

    (profile / "org.yaml").write_bytes(as_written(HAND_WRITTEN))
    assert main(["import-raci", str(edited), "--org", str(profile)]) == 0, capsys.readouterr().err
    expected = HAND_WRITTEN
    for old, new in HAND_EDITED.items():
        assert old in expected
        expected = expected.replace(old, new)
    assert (profile / "org.yaml").read_bytes() == as_written(expected)
    assert "wrote 5 changes" in capsys.readouterr().out


def test_a_new_override_block_goes_after_the_key_before_it_not_under_the_next_keys_comment(tmp_path, capsys):
    folder = tmp_path / "acme"
    folder.mkdir()
    before = "name: Acme Ltd\n\n# Poster page size: A2 or A3.\nposter_size: A3\n"
    (folder / "org.yaml").write_text(before, encoding="utf-8")
    assert main(["build", "--org", str(folder), "--out", str(tmp_path / "b"), "--only", "xlsx"]) == 0
    workbook = tmp_path / "b" / "acme-ltd" / "acme-ltd-raci.xlsx"
    edited = edit_by_heading(workbook, tmp_path / "edited.xlsx", {("data-privacy", "IT & Infrastructure"): "R"}, {})
    assert main(["import-raci", str(edited), "--org", str(folder)]) == 0, capsys.readouterr().err
    assert (folder / "org.yaml").read_text(encoding="utf-8") == (
        "name: Acme Ltd\nraci_overrides:\n  data-privacy:\n    it-infrastructure: R\n"
        "\n# Poster page size: A2 or A3.\nposter_size: A3\n"
    )


# --- end to end: edited in LibreOffice -----------------------------------------------


def uno_python() -> str | None:
    """Return a Python that can drive LibreOffice (Debian: /usr/bin/python3 with python3-uno), if any."""
    if shutil.which("soffice") is None:
        return None
    for python in ("/usr/bin/python3", shutil.which("python3")):
        if python and subprocess.run([python, "-c", "import uno"], capture_output=True).returncode == 0:
            return python
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(uno_python() is None, reason="LibreOffice with its Python bridge (python3-uno) is not installed")
def test_a_workbook_sorted_filtered_and_edited_in_libreoffice_imports(profile, exported, tmp_path, capsys):
    edits = [
        ["model-security", "Office of the CISO", "r"],  # typed in lower case
        ["model-security", "Data Science & Engineering", "A"],
        ["data-privacy", "AI Review Board", "c"],
    ]
    saved = tmp_path / "edited in libreoffice.xlsx"
    script = Path(__file__).parent / "libreoffice_edit.py"
    command = [uno_python(), str(script), str(exported), str(saved), str(free_port()), (tmp_path / "lo").as_uri()]
    done = subprocess.run([*command, json.dumps(edits)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    computed = json.loads(done.stdout)  # the check column as LibreOffice computed it after the edits
    assert len(computed) == 16 and set(computed.values()) == {"OK"}
    ws = openpyxl.load_workbook(saved)["RACI"]
    assert ws["B2"].value != "application-security" and ws.column_dimensions["C"].hidden  # sorted, column hidden
    assert any(ws.row_dimensions[r].hidden for r in range(2, 18))  # filtered

    before = (profile / "org.yaml").read_text(encoding="utf-8")
    assert main(["import-raci", str(saved), "--org", str(profile)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("RACI ")] == [
        "RACI model-security / security-leadership: A -> R",
        "RACI model-security / ai-ml-engineering: R -> A",
        "RACI data-privacy / ai-review-board: I -> C",
    ]
    added = "  model-security:\n    security-leadership: R\n    ai-ml-engineering: A\n"
    added += "  data-privacy:\n    ai-review-board: C\n"
    last_override = "  supply-chain-security:\n    ai-review-board: C\n"
    assert (profile / "org.yaml").read_text(encoding="utf-8") == before.replace(last_override, last_override + added)

    assert main(["import-raci", str(saved), "--org", str(profile)]) == 0  # imported once: nothing left to change
    assert "nothing to change" in capsys.readouterr().out
    rebuilt = tmp_path / "rebuilt"
    assert main(["build", "--org", str(profile), "--out", str(rebuilt), "--only", "xlsx"]) == 0
    _, rows = raci_table(openpyxl.load_workbook(rebuilt / SLUG / WORKBOOK)["RACI"])
    assert (
        rows["model-security"]["Office of the CISO"] == "R"
        and rows["model-security"]["Data Science & Engineering"] == "A"
    )
    assert rows["data-privacy"]["AI Review Board"] == "C"


def _edited_copy(exported: Path, target: Path, domain_id: str, heading: str, letter: str) -> Path:
    wb = openpyxl.load_workbook(exported)
    ws = wb["RACI"]
    ws.cell(row_of(ws, domain_id), column_of(ws, heading)).value = letter
    wb.save(target)
    return target


def test_two_imports_at_once_keep_both_changes(profile, exported, tmp_path):
    """Started together on one profile, the second import waits for the first and reads what it wrote."""
    import os
    import sys

    first = _edited_copy(exported, tmp_path / "a.xlsx", "model-security", "Data Science & Engineering", "C")
    second = _edited_copy(exported, tmp_path / "b.xlsx", "data-privacy", "Data Science & Engineering", "C")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "generator", "import-raci", str(book), "--org", str(profile)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for book in (first, second)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    # One wins; the other waited, then found org.yaml's RACI changed since its workbook was built, and wrote nothing.
    assert sorted(run.returncode for run in runs) == [0, 1], outputs
    refused = outputs[[run.returncode for run in runs].index(1)][1]
    assert "org.yaml's RACI changed after this workbook was built" in refused
    assert "waiting: another process is writing an import" in "".join(err for _, err in outputs)
    overrides = yaml.safe_load((profile / "org.yaml").read_text(encoding="utf-8"))["raci_overrides"]
    won = "model-security" if runs[0].returncode == 0 else "data-privacy"
    lost = "data-privacy" if won == "model-security" else "model-security"
    assert overrides[won]["ai-ml-engineering"] == "C" and lost not in overrides
    # Its author rebuilds the workbook, redoes the edit and imports: both changes are kept.
    again = tmp_path / "again"
    assert main(["build", "--org", str(profile), "--out", str(again), "--only", "xlsx"]) == 0
    redone = _edited_copy(again / SLUG / WORKBOOK, tmp_path / "c.xlsx", lost, "Data Science & Engineering", "C")
    assert main(["import-raci", str(redone), "--org", str(profile)]) == 0
    overrides = yaml.safe_load((profile / "org.yaml").read_text(encoding="utf-8"))["raci_overrides"]
    assert overrides[won]["ai-ml-engineering"] == overrides[lost]["ai-ml-engineering"] == "C"


def test_overwrite_imports_a_workbook_built_before_the_last_raci_change(profile, exported, tmp_path, capsys):
    first = _edited_copy(exported, tmp_path / "a.xlsx", "model-security", "Data Science & Engineering", "C")
    second = _edited_copy(exported, tmp_path / "b.xlsx", "data-privacy", "Data Science & Engineering", "C")
    assert main(["import-raci", str(first), "--org", str(profile)]) == 0
    before = (profile / "org.yaml").read_bytes()
    assert main(["import-raci", str(second), "--org", str(profile)]) == 1
    assert "pass --overwrite" in capsys.readouterr().err
    assert (profile / "org.yaml").read_bytes() == before
    assert main(["import-raci", str(second), "--org", str(profile), "--overwrite"]) == 0
    overrides = yaml.safe_load((profile / "org.yaml").read_text(encoding="utf-8"))["raci_overrides"]
    assert overrides["data-privacy"]["ai-ml-engineering"] == "C" and "model-security" not in overrides


def test_an_editor_saving_during_an_import_is_not_overwritten(profile, exported, tmp_path, monkeypatch, capsys):
    from generator.org import import_raci as module

    edited = _edited_copy(exported, tmp_path / "a.xlsx", "model-security", "Data Science & Engineering", "C")
    org_file = profile / "org.yaml"
    saved = org_file.read_text(encoding="utf-8") + "# saved by an editor during the import\n"
    real = module.load_profile

    def editor_saves_first(folder, framework, text=None):
        if text is not None:  # the import checks its edit: the editor saves just now
            org_file.write_text(saved, encoding="utf-8")
        return real(folder, framework, text=text)

    monkeypatch.setattr(module, "load_profile", editor_saves_first)
    assert main(["import-raci", str(edited), "--org", str(profile)]) == 1
    assert "changed while this command ran; nothing was written, run it again" in capsys.readouterr().err
    assert org_file.read_text(encoding="utf-8") == saved
    assert sorted(p.name for p in profile.iterdir() if p.name.startswith(".")) == []

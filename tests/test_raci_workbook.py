"""The RACI workbook: read back with openpyxl, pandas and LibreOffice, as a GRC import would."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from generator import __version__
from generator.edition import Edition
from generator.org.branding import Branding
from generator.pipeline import BuildError, build, build_time
from generator.renderers.cell_text import csv_value, formula_like
from generator.tables import OBLIGATION_COLUMNS, RESPONSIBILITY_COLUMNS, responsibility_rows
from tests.conftest import png_logo

NAME = "ai-security-responsibility-raci.xlsx"
SHEETS = [
    "About",
    "Matrix",
    "Responsibilities",
    "RACI",
    "Party RACI",
    "Obligations",
    "Models",
    "Domains",
    "Changes",
    "Lists",
]
DATA_SHEETS = ["Responsibilities", "RACI", "Party RACI", "Obligations", "Models", "Domains", "Changes"]
# Published names: these literals are the contract with customers' registers, so the test spells them out.
TABLES = {
    "Responsibilities": "Responsibilities",
    "RACI": "RaciDefault",
    "Party RACI": "PartyRaci",
    "Obligations": "Obligations",
    "Models": "Models",
    "Domains": "Domains",
    "Changes": "Changes",
}
LIST_NAMES = ["RaciLetters", "Levels", "YesNo", "DomainKinds", "PartyRaciValues"]
EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def xlsx(build_dir) -> Path:
    return build_dir / NAME


@pytest.fixture(scope="module")
def wb(xlsx):
    return openpyxl.load_workbook(xlsx)


def table_rows(ws) -> tuple[list, list[list]]:
    """Return the header and the data rows of a sheet's one table, by the table's own range."""
    (table,) = ws.tables.values()
    rows = [[c.value for c in row] for row in ws[table.ref]]
    return rows[0], rows[1:]


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def test_every_sheet_is_present_and_only_lists_is_hidden(wb):
    assert wb.sheetnames == SHEETS
    assert {ws.title: ws.sheet_state for ws in wb} == {s: "hidden" if s == "Lists" else "visible" for s in SHEETS}
    assert wb.active.title == "About"


def test_responsibilities_table_has_a_row_per_cell_matching_the_matrix(wb, framework):
    ws = wb["Responsibilities"]
    assert ws.tables["Responsibilities"].ref == f"A1:L{len(framework.cells) + 1}"
    headers, rows = table_rows(ws)
    assert headers == list(RESPONSIBILITY_COLUMNS)
    assert len(rows) == 128 == ws.max_row - 1
    records = [dict(zip(headers, row, strict=True)) for row in rows]
    assert len({r["cell_id"] for r in records}) == 128
    for record in records:
        cell = framework.cell(record["domain_id"], record["model_id"])
        assert record["cell_id"] == f"{cell.domain_id}.{cell.model_id}"
        assert record["level"] == framework.level(cell.level_id).label
        assert record["critical_focus"] == ("Yes" if cell.critical else "No")
        assert record["domain_number"] == framework.domain(cell.domain_id).number
    assert records == responsibility_rows(framework)


def test_data_sheets_are_flat_named_tables(wb):
    assert [ws.title for ws in wb if ws.merged_cells.ranges] == []
    for sheet, name in TABLES.items():
        ws = wb[sheet]
        assert list(ws.tables) == [name]
        table = ws.tables[name]
        assert table.ref.startswith("A1:") and table.ref.endswith(str(ws.max_row))
        assert table.autoFilter is not None
        assert ws.freeze_panes == "A2"
        headers, rows = table_rows(ws)
        assert all(isinstance(h, str) and h for h in headers) and len(set(headers)) == len(headers)
        assert all(ws.cell(1, c).fill.fgColor.rgb == "FF1F3A5F" for c in range(1, len(headers) + 1))
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(c)] for c in range(1, len(headers) + 1)]
        assert all(d.customWidth and 8 <= d.width <= 60 for d in widths)
        assert not any(str(v).startswith("=") for row in rows for v in row if isinstance(v, str))


def test_defined_names_point_at_the_lists(wb, framework):
    assert list(wb.defined_names) == LIST_NAMES
    expected = {
        "RaciLetters": ["R", "A", "C", "I"],
        "Levels": [v.label for v in framework.info.levels],
        "YesNo": ["Yes", "No"],
        "DomainKinds": ["traditional", "ai-specific"],
        "PartyRaciValues": ["R/A", "R", "I"],
    }
    for name, values in expected.items():
        ((sheet, ref),) = wb.defined_names[name].destinations
        assert sheet == "Lists"
        assert [c.value for (c,) in wb[sheet][ref.replace("$", "")]] == values


def validations(ws) -> dict[str, str]:
    return {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}


def test_raci_sheet_admits_only_raci_letters_with_one_a_per_row(wb, framework):
    ws = wb["RACI"]
    headers, rows = table_rows(ws)
    roles = [r.name for r in framework.roles]
    assert headers == ["domain_number", "domain_id", "domain_name", *roles, "check"]
    assert len(rows) == len(framework.domains) == len(framework.raci)
    last = openpyxl.utils.get_column_letter(3 + len(roles))
    assert validations(ws) == {f"D2:{last}{len(rows) + 1}": "=RaciLetters"}
    (rule_range,) = [str(r.sqref) for r in ws.conditional_formatting]
    assert rule_range == f"D2:{openpyxl.utils.get_column_letter(4 + len(roles))}{len(rows) + 1}"
    (rule,) = ws.conditional_formatting[rule_range]
    assert rule.formula == [f'COUNTIF($D2:${last}2,"A")<>1']
    for row, raci in zip(rows, framework.raci, strict=True):
        letters = row[3:-1]
        assert row[1] == raci.domain_id
        assert letters == [raci.letters[r.id] for r in framework.roles]
        assert set(letters) <= {"R", "A", "C", "I"}
        assert letters.count("A") == 1 and row[-1] == "OK"


def test_check_column_flags_rows_without_exactly_one_a(tmp_path, framework):
    first, second = framework.raci[0], framework.raci[1]
    none = {role: "R" for role in first.letters}
    two = {role: "A" for role in second.letters}
    broken = dataclasses.replace(
        framework,
        raci=(dataclasses.replace(first, letters=none), dataclasses.replace(second, letters=two), *framework.raci[2:]),
    )
    build(Edition(broken, only=("xlsx",)), tmp_path)
    _, rows = table_rows(openpyxl.load_workbook(tmp_path / NAME)["RACI"])
    assert [row[-1] for row in rows[:3]] == ["No A", f"{len(two)} As", "OK"]


def test_party_raci_follows_the_level_rule_stated_on_about(wb, framework):
    headers, rows = table_rows(wb["Party RACI"])
    parties = framework.info.parties
    assert headers == [
        "cell_id",
        "model_id",
        "model_name",
        "domain_number",
        "domain_id",
        "domain_name",
        "level",
        *(p.name for p in parties),
    ]
    assert len(rows) == 128
    for row, cell in zip(rows, framework.cells, strict=True):
        expected = framework.level(cell.level_id).party_raci(tuple(p.id for p in parties))
        assert row[0] == cell.id
        assert row[7:] == [expected[p.id] or None for p in parties]
    shared = [row for row in rows if row[6] == "Shared"]
    assert shared and all(row[7:] == ["R", "R/A"] for row in shared)
    about = [str(v) for row in wb["About"].iter_rows(values_only=True) for v in row if v]
    assert any("Responsible (R)" in text and "R/A" in text for text in about)
    assert validations(wb["Party RACI"]) == {"H2:H129 I2:I129": "=PartyRaciValues"}


def test_models_and_domains_sheets(wb, framework):
    headers, rows = table_rows(wb["Models"])
    assert headers[:3] == ["model_id", "model_number", "model_name"] and "category_id" in headers
    assert [(r[0], r[1], r[2]) for r in rows] == [(m.id, m.number, m.name) for m in framework.models]
    headers, rows = table_rows(wb["Domains"])
    assert headers == [
        "domain_id",
        "domain_number",
        "domain_name",
        "matrix_label",
        "domain_kind",
        "focus",
        "description",
    ]
    assert [(r[0], r[1], r[4]) for r in rows] == [(d.id, d.number, d.kind) for d in framework.domains]


def test_matrix_reads_as_words_colours_and_markers(wb, framework):
    ws = wb["Matrix"]
    branding, level_ids = Branding(), tuple(v.id for v in framework.info.levels)
    assert [ws.cell(1, c).value for c in range(2, 10)] == [m.short_name for m in framework.models]
    for r, domain in enumerate(framework.domains, 2):
        assert ws.cell(r, 1).value == domain.label + (" ★" if domain.ai_specific else "")
        for c, dm in enumerate(framework.models, 2):
            cell = framework.cell(domain.id, dm.id)
            assert ws.cell(r, c).value == framework.level(cell.level_id).label + (" *" if cell.critical else "")
            colours = branding.colours(cell.level_id, level_ids)
            assert ws.cell(r, c).fill.fgColor.rgb == "FF" + colours.fill[1:]
            assert ws.cell(r, c).font.color.rgb == "FF" + colours.text[1:]
    assert ws.freeze_panes == "B2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", "$A:$A")


def test_about_states_source_version_legend_and_guide(wb, framework):
    texts = {v for row in wb["About"].iter_rows(values_only=True) for v in row if v}
    info = framework.info
    for fact in (info.version, info.release_date, info.source_url, f"ai-srm-generator {__version__}", *SHEETS[1:]):
        assert fact in texts
    assert f"{info.licence}. {info.copyright}" in texts
    assert {v.label for v in info.levels} | {"*", "★"} <= texts
    assert "Organisation" not in texts


def test_pandas_reads_the_documented_columns(xlsx, framework):
    frame = pd.read_excel(xlsx, sheet_name="Responsibilities", dtype=str)
    assert list(frame.columns) == list(RESPONSIBILITY_COLUMNS)
    assert len(frame) == 128
    # pandas reads the level "N/A" as missing unless told not to: importers need keep_default_na=False.
    frame = pd.read_excel(xlsx, sheet_name="Responsibilities", dtype=str, keep_default_na=False)
    assert list(frame["level"]) == [framework.level(c.level_id).label for c in framework.cells]
    assert list(frame["domain_number"]) == [str(framework.domain(c.domain_id).number) for c in framework.cells]
    shapes = {s: pd.read_excel(xlsx, sheet_name=s).shape for s in ("RACI", "Party RACI", "Models", "Domains")}
    assert shapes == {
        "RACI": (16, 4 + len(framework.roles)),
        "Party RACI": (128, 7 + len(framework.info.parties)),
        "Models": (8, 8),
        "Domains": (16, 7),
    }


def test_csv_beside_the_workbook_holds_the_same_table(build_dir, wb):
    data = (build_dir / "responsibilities.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 129 and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    headers, sheet_rows = table_rows(wb["Responsibilities"])
    assert rows[0] == headers
    assert rows[1:] == [[str(v) for v in row] for row in sheet_rows]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_and_converts_the_workbook(xlsx, tmp_path, wb):
    def convert(target: str) -> None:
        profile = (tmp_path / "profile").as_uri()
        command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", target]
        done = subprocess.run([*command, "--outdir", str(tmp_path), str(xlsx)], capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr.decode(errors="replace")

    convert("pdf")
    assert (tmp_path / NAME.replace(".xlsx", ".pdf")).read_bytes().startswith(b"%PDF")
    # Sheet 3 (Responsibilities) as CSV: LibreOffice reads the same table openpyxl does.
    convert("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,3")
    exported = tmp_path / NAME.replace(".xlsx", "-Responsibilities.csv")
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8"), newline="")))
    headers, sheet_rows = table_rows(wb["Responsibilities"])
    assert rows == [headers, *([str(v) for v in row] for row in sheet_rows)]


def with_examples(framework, examples: dict[str, str]):
    """Return the framework with some examples of its first domain replaced."""
    first = framework.domains[0]
    changed = dataclasses.replace(first, examples={**first.examples, **examples})
    return dataclasses.replace(framework, domains=(changed, *framework.domains[1:]))


def test_formula_like_text_is_written_as_text(tmp_path, framework):
    domain = framework.domains[0].id
    texts = {"saas-ai": EVIL, "paas-ai": "+1+1", "iaas-ai": "-2", "on-premises": "@SUM(A1)"}
    hostile = with_examples(framework, {**texts, "embedded-ai": "bell\x07 and \ufffe end", "agentic-ai": "#N/A"})
    build(Edition(hostile, branding=Branding(organisation="=cmd|' /C calc'!A0"), only=("xlsx", "csv")), tmp_path)
    wb = openpyxl.load_workbook(tmp_path / NAME)
    ws = wb["Responsibilities"]
    example = RESPONSIBILITY_COLUMNS.index("example") + 1
    by_id = {ws.cell(r, 1).value: ws.cell(r, example) for r in range(2, ws.max_row + 1)}
    for model_id, text in texts.items():
        cell = by_id[f"{domain}.{model_id}"]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert by_id[f"{domain}.embedded-ai"].value == "bell and  end"
    assert (by_id[f"{domain}.agentic-ai"].value, by_id[f"{domain}.agentic-ai"].data_type) == ("#N/A", "s")
    organisation = wb["About"]["B4"]
    assert (wb["About"]["A4"].value, organisation.value, organisation.data_type) == (
        "Organisation",
        "=cmd|' /C calc'!A0",
        "s",
    )
    for name, xml in sheet_xml(tmp_path / NAME).items():
        assert not re.search(r"<f[ >]", xml), name
    with (tmp_path / "responsibilities.csv").open(encoding="utf-8-sig", newline="") as f:
        examples = {row["cell_id"]: row["example"] for row in csv.DictReader(f)}
    assert examples[f"{domain}.saas-ai"] == "'" + EVIL
    assert examples[f"{domain}.iaas-ai"] == "'-2"


def test_formula_triggers():
    assert [formula_like(t) for t in ("=1", "+1", "-1", "@A", "\t=1", "\r=1", "a=1", "", "1")] == [True] * 6 + [
        False
    ] * 3
    assert [csv_value(v) for v in ("=1", "ok", 3)] == ["'=1", "ok", 3]


def test_duplicate_column_headings_fail_the_build(tmp_path, framework):
    first, second, *rest = framework.roles
    clash = dataclasses.replace(framework, roles=(first, dataclasses.replace(second, name=first.name.upper()), *rest))
    with pytest.raises(BuildError, match="column headings must be unique"):
        build(Edition(clash, only=("xlsx",)), tmp_path)


def test_two_builds_give_identical_bytes(tmp_path, framework, monkeypatch):
    build(Edition(framework, only=("xlsx",)), tmp_path / "a")
    time.sleep(1.1)  # a later second for openpyxl's clock-stamped properties
    later = time.time() + 86_400
    monkeypatch.setattr(time, "time", lambda: later)  # and a later day for zip entry times
    build(Edition(framework, only=("xlsx",)), tmp_path / "b")
    assert (tmp_path / "a" / NAME).read_bytes() == (tmp_path / "b" / NAME).read_bytes()


def core_dates(path: Path) -> tuple[list[str], set[tuple[int, ...]]]:
    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml").decode()
        stamps = {info.date_time for info in z.infolist()}
    return re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core), stamps


def test_dates_follow_the_build_time(tmp_path, framework, monkeypatch, xlsx):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    build(Edition(framework, only=("xlsx",)), tmp_path / "release")
    release = build_time(framework).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert core_dates(tmp_path / "release" / NAME)[0] == [release, release]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(Edition(framework, only=("xlsx",)), tmp_path / "epoch")
    dates, stamps = core_dates(tmp_path / "epoch" / NAME)
    assert dates == ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20Z"]
    assert stamps == {(2023, 11, 14, 22, 13, 20)}
    properties = openpyxl.load_workbook(tmp_path / "epoch" / NAME).properties
    assert properties.created == properties.modified == datetime(2023, 11, 14, 22, 13, 20)
    assert properties.title == "AI Security Shared Responsibility Model 1.1.0: RACI workbook"


def test_organisation_name_and_logo_appear_on_about(tmp_path, framework):
    branding = Branding(organisation="Smith & Sons <Ltd>", logo=png_logo(400, 120), file_prefix="smith")
    assert build(Edition(framework, branding=branding, only=("xlsx",)), tmp_path / "out")
    path = tmp_path / "out" / "smith-raci.xlsx"
    about = openpyxl.load_workbook(path)["About"]
    assert (about["A4"].value, about["B4"].value) == ("Organisation", "Smith & Sons <Ltd>")
    with zipfile.ZipFile(path) as z:
        assert [n for n in z.namelist() if n.startswith("xl/media/")] == ["xl/media/image1.png"]


def test_obligations_sheet_lists_every_customer_and_shared_cell_with_its_owner(wb, framework):
    headers, rows = table_rows(wb["Obligations"])
    assert headers == list(OBLIGATION_COLUMNS)
    expected = [c for c in framework.cells if "customer" in framework.level(c.level_id).owners]
    assert [r[0] for r in rows] == [c.id for c in expected]
    roles = {r.id: r.name for r in framework.roles}
    accountable = {row.domain_id: roles[row.accountable] for row in framework.raci}
    for row, cell in zip(rows, expected, strict=True):
        assert row[headers.index("level")] == framework.level(cell.level_id).label
        assert row[headers.index("accountable_role")] == accountable[cell.domain_id]

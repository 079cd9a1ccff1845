"""The RACI workbook: read back with openpyxl, pandas and LibreOffice, as a GRC import would."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
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
from generator.tables import OBLIGATION_COLUMNS, RESPONSIBILITY_COLUMNS, responsibility_columns, responsibility_rows
from tests.conftest import png_logo

EXAMPLE_PROFILE = Path(__file__).parent.parent / "examples" / "northwind-analytics"

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
    "Mappings",
    "Lists",
]
DATA_SHEETS = ["Responsibilities", "RACI", "Party RACI", "Obligations", "Models", "Domains", "Changes", "Mappings"]
# Published names: these literals are the contract with customers' registers, so the test spells them out.
TABLES = {
    "Matrix": "Matrix",
    "Responsibilities": "Responsibilities",
    "RACI": "RaciDefault",
    "Party RACI": "PartyRaci",
    "Obligations": "Obligations",
    "Models": "Models",
    "Domains": "Domains",
    "Changes": "Changes",
}
LIST_NAMES = ["RaciLetters", "Levels", "YesNo", "DomainKinds", "PartyRaciValues", "LevelIds"]
LONG_TABLES = ["Responsibilities", "Party RACI", "Obligations"]
LEVEL_IDS = {"Provider": "provider", "Customer": "customer", "Shared": "shared", "N/A": "not-applicable"}
README = Path(__file__).parent.parent / "README.md"
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


def text(value) -> str:
    """A cell as CSV text: an empty cell (a domain with no target in a framework) is empty text."""
    return "" if value is None else str(value)


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def test_every_sheet_is_present_and_only_lists_is_hidden(wb):
    assert wb.sheetnames == SHEETS
    assert {ws.title: ws.sheet_state for ws in wb} == {s: "hidden" if s == "Lists" else "visible" for s in SHEETS}
    assert wb.active.title == "About"


def test_responsibilities_table_has_a_row_per_cell_matching_the_matrix(wb, framework):
    ws = wb["Responsibilities"]
    assert ws.tables["Responsibilities"].ref == f"A1:R{len(framework.cells) + 1}"  # 13 columns, 5 frameworks
    headers, rows = table_rows(ws)
    assert headers == list(responsibility_columns(framework)) and headers[:13] == list(RESPONSIBILITY_COLUMNS)
    assert len(rows) == 128 == ws.max_row - 1
    records = [dict(zip(headers, ["" if v is None else v for v in row], strict=True)) for row in rows]
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
        assert ws.freeze_panes == ("E2" if sheet == "Matrix" else "A2")
        headers, rows = table_rows(ws)
        assert all(isinstance(h, str) and h for h in headers) and len(set(headers)) == len(headers)
        assert all(ws.cell(1, c).fill.fgColor.rgb == "FF1F3A5F" for c in range(1, len(headers) + 1))
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(c)] for c in range(1, len(headers) + 1)]
        assert all(d.customWidth and 8 <= d.width <= 60 for d in widths)
        values = [v for row in rows for v in (row[:-1] if sheet == "RACI" else row)]  # RACI's check: a formula
        assert not any(str(v).startswith("=") for v in values if isinstance(v, str))


def test_defined_names_point_at_the_lists(wb, framework):
    assert list(wb.defined_names) == LIST_NAMES
    expected = {
        "RaciLetters": ["R", "A", "C", "I"],
        "Levels": [v.label for v in framework.info.levels],
        "YesNo": ["Yes", "No"],
        "DomainKinds": ["traditional", "ai-specific"],
        "PartyRaciValues": ["R/A", "R", "I", "N/A"],
        "LevelIds": ["provider", "customer", "shared", "not-applicable"],
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
    assert validations(ws) == {f"D2:{last}{len(rows) + 1}": "RaciLetters"}
    (rule_range,) = [str(r.sqref) for r in ws.conditional_formatting]
    assert rule_range == f"D2:{openpyxl.utils.get_column_letter(4 + len(roles))}{len(rows) + 1}"
    (rule,) = ws.conditional_formatting[rule_range]
    assert rule.formula == [f'COUNTIF($D2:${last}2,"A")<>1']
    for r, (row, raci) in enumerate(zip(rows, framework.raci, strict=True), 2):
        letters = row[3:-1]
        assert row[1] == raci.domain_id
        assert letters == [raci.letters[r.id] for r in framework.roles]
        assert set(letters) <= {"R", "A", "C", "I"}
        count = f'COUNTIF(D{r}:{last}{r},"A")'
        assert letters.count("A") == 1 and row[-1] == f'=IF({count}=1,"OK",IF({count}=0,"No A",{count}&" As"))'


def test_check_column_flags_rows_without_exactly_one_a(tmp_path, framework):
    first, second = framework.raci[0], framework.raci[1]
    none = {role: "R" for role in first.letters}
    two = {role: "A" for role in second.letters}
    broken = dataclasses.replace(
        framework,
        raci=(dataclasses.replace(first, letters=none), dataclasses.replace(second, letters=two), *framework.raci[2:]),
    )
    build(Edition(broken, only=("xlsx",)), tmp_path)
    _, rows = table_rows(openpyxl.load_workbook(tmp_path / NAME, data_only=True)["RACI"])  # the cached results
    assert [row[-1] for row in rows[:3]] == ["No A", f"{len(two)} As", "OK"]
    check = f"{openpyxl.utils.get_column_letter(4 + len(framework.roles))}"
    xml = sheet_xml(tmp_path / NAME)["xl/worksheets/sheet4.xml"]
    assert re.search(rf'<c r="{check}2" s="\d+" t="str"><f>IF\(COUNTIF\(D2:[A-Z]+2,"A"\)=1,[^<]*</f><v>No A</v>', xml)


def broken_rows(xlsx: Path, out: Path) -> Path:
    """Edit two rows as a tool that does not compute would (openpyxl drops every cached result): no A, two As."""
    book = openpyxl.load_workbook(xlsx)
    ws = book["RACI"]
    for cell in ws[2][3:-1]:
        cell.value = "R"
    for cell in ws[3][3:-1]:
        cell.value = "C"
    ws[3][3].value = ws[3][4].value = "A"
    book.active = book.sheetnames.index("RACI")
    book.save(out)
    return out


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_computes_the_check_column(xlsx, tmp_path):
    source = broken_rows(xlsx, tmp_path / "broken.xlsx")
    profile = (tmp_path / "profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to"]
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,4"  # sheet 4: RACI
    done = subprocess.run([*command, target, "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    rows = list(csv.reader(io.StringIO((tmp_path / "broken-RACI.csv").read_text(encoding="utf-8"), newline="")))
    assert [row[-1] for row in rows] == ["check", "No A", "2 As", *["OK"] * (len(rows) - 3)]


@pytest.mark.skipif(shutil.which("ssconvert") is None, reason="gnumeric (ssconvert) is not installed")
def test_gnumeric_computes_the_check_column(xlsx, tmp_path):
    source = broken_rows(xlsx, tmp_path / "broken.xlsx")
    done = subprocess.run(["ssconvert", "-S", str(source), str(tmp_path / "out.csv")], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv.3").read_text(encoding="utf-8"), newline="")))
    assert [row[-1] for row in rows] == ["check", "No A", "2 As", *["OK"] * (len(rows) - 3)]


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
        "level_id",
        *(p.name for p in parties),
    ]
    assert len(rows) == 128
    for row, cell in zip(rows, framework.cells, strict=True):
        level = framework.level(cell.level_id)
        expected = level.party_raci(tuple(p.id for p in parties))
        assert row[0] == cell.id
        assert row[8:] == [expected[p.id] if level.applicable else "N/A" for p in parties]
    shared = [row for row in rows if row[6] == "Shared"]
    assert shared and all(row[8:] == ["R", "R/A"] for row in shared)
    # Where the domain does not apply, a lookup shows N/A, never a blank (which INDEX/MATCH returns as 0).
    not_applicable = [row for row in rows if row[7] == "not-applicable"]
    assert len(not_applicable) == 9 and all(row[8:] == ["N/A", "N/A"] for row in not_applicable)
    assert all(v not in (None, "") for row in rows for v in row[8:])
    about = [str(v) for row in wb["About"].iter_rows(values_only=True) for v in row if v]
    assert any("Responsible (R)" in text and "R/A" in text for text in about)
    assert any("holds the level's label (N/A)" in text for text in about)
    assert ("N/A", "Provider N/A, Customer N/A") in about_pairs(wb)
    assert validations(wb["Party RACI"]) == {"I2:I129 J2:J129": "PartyRaciValues"}


def about_pairs(wb) -> list[tuple]:
    return [(a, b) for a, b, *_ in wb["About"].iter_rows(values_only=True)]


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


def test_matrix_is_a_lookup_table_with_plain_levels_and_marks_by_formatting(wb, framework):
    ws = wb["Matrix"]
    branding, level_ids = Branding(), tuple(v.id for v in framework.info.levels)
    labels = [m.short_name for m in framework.models]
    headers, rows = table_rows(ws)
    ids = [f"{label} level_id" for label in labels]
    assert headers == ["domain_id", "domain_number", "domain_name", "domain_kind", *labels, "critical_focus", *ids]
    assert len(rows) == 16 == ws.max_row - 1  # no legend rows under (or beside) the table
    assert ws.max_column == len(headers)
    for r, (row, domain) in enumerate(zip(rows, framework.domains, strict=True), 2):
        assert row[:4] == [domain.id, domain.number, domain.name, domain.kind]
        critical = []
        for c, dm in enumerate(framework.models, 5):
            cell = framework.cell(domain.id, dm.id)
            target = ws.cell(r, c)
            assert target.value == framework.level(cell.level_id).label
            colours = branding.colours(cell.level_id, level_ids)
            assert target.fill.fgColor.rgb == "FF" + colours.fill[1:]
            assert target.font.color.rgb == "FF" + colours.text[1:]
            assert (target.font.underline == "single") == cell.critical
            assert (target.border.left.style == "thick") == cell.critical
            critical += [dm.short_name] if cell.critical else []
        assert row[-1 - len(ids)] == (", ".join(critical) or None)
        assert row[-len(ids) :] == [framework.cell(domain.id, m.id).level_id for m in framework.models]
    assert any(row[-1 - len(ids)] for row in rows) and any(row[3] == "ai-specific" for row in rows)
    assert ws.freeze_panes == "E2"
    assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$A:$C"
    assert ws.print_area == f"'Matrix'!$A$1:${openpyxl.utils.get_column_letter(len(headers) - len(ids))}$17"
    assert "critical focus area" in ws.oddFooter.left.text


def test_pandas_reads_the_matrix_as_16_domains(xlsx, framework):
    frame = pd.read_excel(xlsx, sheet_name="Matrix", keep_default_na=False)
    assert len(frame) == 16
    assert list(frame["domain_id"]) == [d.id for d in framework.domains]
    for m in framework.models:
        expected = [framework.level(framework.cell(d.id, m.id).level_id).label for d in framework.domains]
        assert list(frame[m.short_name]) == expected


def test_pandas_defaults_read_the_matrix_level_ids_without_missing_values(xlsx, framework):
    frame = pd.read_excel(xlsx, sheet_name="Matrix")  # pandas' defaults: "N/A" is read as NaN
    na = [
        (d.id, m.id)
        for d in framework.domains
        for m in framework.models
        if framework.cell(d.id, m.id).level_id == "not-applicable"
    ]
    assert na and frame[[m.short_name for m in framework.models]].isna().sum().sum() == len(na)
    for m in framework.models:
        column = frame[f"{m.short_name} level_id"]
        assert not column.isna().any()
        assert list(column) == [framework.cell(d.id, m.id).level_id for d in framework.domains]


# --- printing -----------------------------------------------------------------------------

PAPER_POINTS = {9: (595.3, 841.9), 1: (612.0, 792.0)}  # SpreadsheetML paperSize code: A4, Letter (portrait)
DIGIT_POINTS = 7.0  # a unit of column width as LibreOffice draws Calibri 11 without it (in DejaVu Sans); Excel 5.25


def printed_scale(ws) -> float:
    """Return the scale a client prints the sheet at, from its page setup and column widths alone."""
    setup = ws.page_setup
    if not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage:
        return (setup.scale or 100) / 100
    assert setup.fitToWidth == 1 and setup.fitToHeight == 0  # one page wide, as many pages down as it takes
    width, height = PAPER_POINTS[setup.paperSize]
    across = (height if setup.orientation == "landscape" else width) - 72 * (
        ws.page_margins.left + ws.page_margins.right
    )
    last = openpyxl.utils.range_boundaries(ws.print_area.split("!")[-1])[2] if ws.print_area else ws.max_column
    letters = [openpyxl.utils.get_column_letter(c) for c in range(1, last + 1)]
    columns = sum(
        (ws.column_dimensions[c].width if c in ws.column_dimensions else 8.43) * DIGIT_POINTS for c in letters
    )
    return math.floor(min(1.0, across / columns) * 100) / 100  # clients scale in whole per cent


def test_every_sheet_prints_on_a4_with_text_of_8_pt_or_more(wb):
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert ws.page_setup.paperSize == 9, ws.title  # A4, the default paper
        assert ws.page_setup.orientation == "landscape"
        smallest = min(c.font.sz for row in ws.iter_rows() for c in row if c.value is not None)
        assert smallest * printed_scale(ws) >= 8, (ws.title, printed_scale(ws))
        if ws.title != "About":  # each table repeats its header row and key columns on every page
            assert ws.print_title_rows == "$1:$1" and ws.print_title_cols.startswith("$A:"), ws.title
    # Fit to one page wide where that stays legible (About, Changes); the long tables print across pages.
    fitted = {ws.title for ws in wb.worksheets if ws.sheet_properties.pageSetUpPr.fitToPage}
    assert fitted == {"About", "Changes"}
    assert wb["Responsibilities"].page_setup.pageOrder == "overThenDown"


def test_the_paper_size_comes_from_the_profile(tmp_path, framework):
    build(Edition(framework, branding=Branding(paper_size="Letter"), only=("xlsx",)), tmp_path)
    book = openpyxl.load_workbook(tmp_path / NAME)
    assert {ws.page_setup.paperSize for ws in book.worksheets if ws.sheet_state == "visible"} == {1}
    assert all(printed_scale(ws) * 11 >= 8 for ws in book.worksheets if ws.sheet_state == "visible")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_prints_every_character_at_8_pt_or_more_on_a4(xlsx, tmp_path):
    import pdfplumber

    profile = (tmp_path / "profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    done = subprocess.run([*command, "--outdir", str(tmp_path), str(xlsx)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    with pdfplumber.open(tmp_path / NAME.replace(".xlsx", ".pdf")) as pdf:
        sizes = {(round(float(p.width)), round(float(p.height))) for p in pdf.pages}
        smallest = min(c["size"] for p in pdf.pages for c in p.chars)
        matrix = [p.extract_text() for p in pdf.pages if (p.extract_text() or "").startswith("domain_id domain_number")]
    assert sizes == {(842, 595)}  # A4 landscape
    assert smallest >= 7.95, smallest  # 8 pt, as PDF stores it
    assert len(matrix) >= 2 and all("domain_name" in page for page in matrix)  # key columns on every page
    assert not any("level_id" in page for page in matrix)  # the print area leaves the ids to machines


def readme_formulas() -> list[tuple[str, str]]:
    """Return the README's lookup formulas with the value each gives, from its table."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Lookup formulas") :].split("\n## ", 1)[0]
    return re.findall(r"^\| [^|]+ \| `(=[^`]+)` \| `([^`]+)` \|$", section, re.M)


def computed(client: str, formulas: list[str], xlsx: Path, tmp_path: Path) -> list[str]:
    """Write the formulas into a copy of the workbook, let a client compute them and return the values."""
    book = openpyxl.load_workbook(xlsx)
    sheet = book.create_sheet("Lookup", 0)
    for row, formula in enumerate(formulas, 1):
        sheet.cell(row, 1).value = formula
    book.active = 0
    source = tmp_path / "lookup.xlsx"
    book.save(source)
    if client == "libreoffice":
        profile = (tmp_path / "profile").as_uri()
        command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "csv"]
        command += ["--outdir", str(tmp_path / "lo"), str(source)]
        out = tmp_path / "lo" / "lookup.csv"
    else:
        command, out = ["ssconvert", str(source), str(tmp_path / "gnumeric.csv")], tmp_path / "gnumeric.csv"
    done = subprocess.run(command, capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return [row[0] for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline=""))]


@pytest.mark.parametrize("client", ["libreoffice", "gnumeric"])
def test_the_readmes_lookup_formulas_give_what_it_says(xlsx, tmp_path, framework, client):
    if shutil.which("soffice" if client == "libreoffice" else "ssconvert") is None:
        pytest.skip(f"{client} is not installed")
    rows = readme_formulas()
    assert len(rows) >= 4 and not any("[#" in formula for formula, _ in rows)  # LibreOffice: Err:504
    cell = framework.cell("model-security", "saas-ai")
    assert {value for _, value in rows} == {framework.level(cell.level_id).label, cell.level_id}
    assert computed(client, [formula for formula, _ in rows], xlsx, tmp_path) == [value for _, value in rows]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_two_way_lookup_on_the_matrix_works_in_libreoffice(xlsx, tmp_path, framework):
    """INDEX/MATCH by domain id and by domain name, and by the model's matrix label, for every cell."""
    book = openpyxl.load_workbook(xlsx)
    matrix = book["Matrix"]
    last = openpyxl.utils.get_column_letter(matrix.max_column)
    table, header = f"Matrix!$A$1:${last}$17", f"Matrix!$A$1:${last}$1"
    lookup = book.create_sheet("Lookup", 0)
    expected = []
    for r, (domain, dm) in enumerate(((d, m) for d in framework.domains for m in framework.models), 1):
        by_model = f'MATCH("{dm.short_name}",{header},0)'
        lookup.cell(r, 1).value = f'=INDEX({table},MATCH("{domain.id}",Matrix!$A$1:$A$17,0),{by_model})'
        lookup.cell(r, 2).value = f'=INDEX({table},MATCH("{domain.name}",Matrix!$C$1:$C$17,0),{by_model})'
        label = framework.level(framework.cell(domain.id, dm.id).level_id).label
        expected.append([label, label])
    book.active = 0
    source = tmp_path / "lookup.xlsx"
    book.save(source)
    profile = (tmp_path / "profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "csv"]
    done = subprocess.run([*command, "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    rows = list(csv.reader(io.StringIO((tmp_path / "lookup.csv").read_text(encoding="utf-8"), newline="")))
    assert len(rows) == 128 and rows == expected


def test_about_states_source_version_legend_and_guide(wb, framework):
    texts = {v for row in wb["About"].iter_rows(values_only=True) for v in row if v}
    info = framework.info
    for fact in (info.version, info.release_date, info.source_url, f"ai-srm-generator {__version__}", *SHEETS[1:]):
        assert fact in texts
    assert f"{info.licence}. {info.copyright}" in texts
    assert {v.label for v in info.levels} | {"Underlined, heavy border", "ai-specific"} <= texts
    assert "Organisation" not in texts


def test_pandas_reads_the_documented_columns(xlsx, framework):
    frame = pd.read_excel(xlsx, sheet_name="Responsibilities", dtype=str)
    assert list(frame.columns) == list(responsibility_columns(framework))
    assert len(frame) == 128
    # pandas reads the level "N/A" as missing unless told not to: importers need keep_default_na=False.
    frame = pd.read_excel(xlsx, sheet_name="Responsibilities", dtype=str, keep_default_na=False)
    assert list(frame["level"]) == [framework.level(c.level_id).label for c in framework.cells]
    assert list(frame["domain_number"]) == [str(framework.domain(c.domain_id).number) for c in framework.cells]
    shapes = {s: pd.read_excel(xlsx, sheet_name=s).shape for s in ("RACI", "Party RACI", "Models", "Domains")}
    assert shapes == {
        "RACI": (16, 4 + len(framework.roles)),
        "Party RACI": (128, 8 + len(framework.info.parties)),
        "Models": (8, 8),
        "Domains": (16, 7),
    }


def test_csv_beside_the_workbook_holds_the_same_table(build_dir, wb):
    data = (build_dir / "responsibilities.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 129 and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    headers, sheet_rows = table_rows(wb["Responsibilities"])
    assert rows[0] == headers
    assert rows[1:] == [[text(v) for v in row] for row in sheet_rows]


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
    assert rows == [headers, *([text(v) for v in row] for row in sheet_rows)]


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
    for name, xml in sheet_xml(tmp_path / NAME).items():  # the only formulas: the RACI sheet's check column
        formulas = re.findall(r"<f[ >]([^<]*)", xml)
        assert all(f.startswith("IF(COUNTIF(") for f in formulas) and len(formulas) == (
            16 if name.endswith("/sheet4.xml") else 0
        )
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


@pytest.mark.parametrize("sheet", LONG_TABLES)
def test_level_id_survives_pandas_defaults_in_every_long_table(xlsx, sheet, framework):
    headers, _ = table_rows(openpyxl.load_workbook(xlsx)[sheet])
    assert headers[headers.index("level") + 1] == "level_id"
    frame = pd.read_excel(xlsx, sheet_name=sheet)  # pandas' defaults: the label N/A reads as missing
    assert frame["level_id"].notna().all()
    assert set(frame["level_id"]) <= set(LEVEL_IDS.values())
    labels = pd.read_excel(xlsx, sheet_name=sheet, keep_default_na=False)["level"]
    assert [LEVEL_IDS[label] for label in labels] == list(frame["level_id"])
    if sheet != "Obligations":
        assert (frame["level_id"] == "not-applicable").sum() == 9


def test_level_id_survives_pandas_defaults_in_the_csv(build_dir, framework):
    frame = pd.read_csv(build_dir / "responsibilities.csv", encoding="utf-8-sig")
    assert list(frame.columns) == list(responsibility_columns(framework))
    assert list(frame["level_id"]) == [c.level_id for c in framework.cells]
    assert RESPONSIBILITY_COLUMNS.index("level_id") == RESPONSIBILITY_COLUMNS.index("level") + 1
    assert OBLIGATION_COLUMNS.index("level_id") == OBLIGATION_COLUMNS.index("level") + 1


def test_level_id_is_documented_on_about_and_in_the_readme(wb):
    about = dict(about_pairs(wb))
    assert all(name in about["level_id"] for name in (*LONG_TABLES, *LEVEL_IDS.values()))
    readme = README.read_text(encoding="utf-8")
    assert "`level_id`" in readme and all(f"`{v}`" in readme for v in LEVEL_IDS.values())


def every_validation(path: Path) -> list[str]:
    """Return formula1 of every data validation in every sheet, as written in the file."""
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    return re.findall(r"<formula1>([^<]*)</formula1>", xml)


def test_validation_lists_are_written_without_an_equals_sign(xlsx):
    formulas = every_validation(xlsx)
    assert len(formulas) == 8 and set(formulas) == set(LIST_NAMES)  # LevelIds on the Matrix and Responsibilities


@pytest.mark.skipif(shutil.which("ssconvert") is None, reason="gnumeric (ssconvert) is not installed")
def test_gnumeric_reads_every_validation_list(xlsx, tmp_path):
    done = subprocess.run(["ssconvert", str(xlsx), str(tmp_path / "book.gnumeric")], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    messages = done.stderr.decode(errors="replace")
    # gnumeric reads a print title of rows and columns ('S'!$1:$1,'S'!$A:$A, as Excel writes it) as an error
    # and prints without it; it is the only expression it does not read.
    unread = re.findall(r"At A1: '(.*)' Multiple expressions are not supported in this context", messages)
    titles = {f"'{ws.title}'!$1:$1,'{ws.title}'!{ws.print_title_cols}" for ws in openpyxl.load_workbook(xlsx)}
    assert unread and set(unread) <= titles, messages
    messages = re.sub(r"At A1: .* Multiple expressions are not supported in this context", "", messages)
    assert "Invalid expression" not in messages and "not supported" not in messages, messages
    import gzip

    xml = gzip.decompress((tmp_path / "book.gnumeric").read_bytes()).decode()
    lists = set(re.findall(r'Type="GNM_VALIDATION_TYPE_IN_LIST".*?<gnm:Expression0>([^<]*)<', xml, re.S))
    assert lists == set(LIST_NAMES)
    # gnumeric skips only what it has no notion of: Excel Tables, and the header/footer variants openpyxl writes
    skipped = set(re.findall(r"Unexpected element '(\w+)'", messages))
    assert skipped <= {"tableParts", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}, messages
    # and gnumeric's own xlsx keeps them
    again = subprocess.run(["ssconvert", str(xlsx), str(tmp_path / "again.xlsx")], capture_output=True, timeout=180)
    assert again.returncode == 0 and "Invalid expression" not in again.stderr.decode(errors="replace")
    assert set(every_validation(tmp_path / "again.xlsx")) == set(LIST_NAMES)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_keeps_every_validation_list(xlsx, tmp_path):
    (tmp_path / "out").mkdir()
    profile = (tmp_path / "profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx"]
    done = subprocess.run([*command, "--outdir", str(tmp_path / "out"), str(xlsx)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    saved = openpyxl.load_workbook(tmp_path / "out" / NAME)
    ours = openpyxl.load_workbook(xlsx)
    for sheet in ours.sheetnames:
        assert validated_cells(saved[sheet]) == validated_cells(ours[sheet]), sheet


def validated_cells(ws) -> dict[str, set[str]]:
    """Map each validation list to the cells it checks (clients merge and split ranges differently)."""
    cells: dict[str, set[str]] = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            rows = ws[ref] if ":" in ref else ((ws[ref],),)
            cells.setdefault(dv.formula1, set()).update(c.coordinate for row in rows for c in row)
    return cells


def test_csv_differs_from_the_workbook_only_by_the_quote_before_formula_like_text(tmp_path, framework):
    domain = framework.domains[0].id
    texts = {"saas-ai": EVIL, "paas-ai": "+1+1", "iaas-ai": "-2", "on-premises": "@SUM(A1)", "ai-coding": "\t=1"}
    build(Edition(with_examples(framework, texts), only=("xlsx", "csv")), tmp_path)
    with (tmp_path / "responsibilities.csv").open(encoding="utf-8-sig", newline="") as f:
        csv_rows = list(csv.reader(f))
    headers, sheet_rows = table_rows(openpyxl.load_workbook(tmp_path / NAME)["Responsibilities"])
    assert csv_rows[0] == headers
    differences = []
    for csv_row, sheet_row in zip(csv_rows[1:], sheet_rows, strict=True):
        for column, field, value in zip(headers, csv_row, sheet_row, strict=True):
            if field != text(value):
                differences.append((sheet_row[0], column, field, value))
    assert sorted(differences) == sorted((f"{domain}.{m}", "example", "'" + t, t) for m, t in texts.items())


def test_the_csv_quote_is_documented_on_about_and_in_the_readme(wb):
    about = dict(about_pairs(wb))
    assert "leading '" in about["CSV"] and "responsibilities.csv" in about["CSV"]
    assert "no visible quote" in about["Values"]
    readme = README.read_text(encoding="utf-8")
    assert "carries a leading `'` in the CSV" in readme and "quote prefix" in readme


def test_readme_and_about_describe_the_matrix_alike(wb):
    guide = dict(about_pairs(wb))["Matrix"]
    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("- **Matrix** (Table `Matrix`)") :].split("\n- ", 1)[0]
    for fact in ("domain_id", "domain_number", "domain_name", "domain_kind", "critical_focus", "matrix_label"):
        assert fact in guide and fact in section, fact
    assert "Table Matrix" in guide and "INDEX/MATCH" in guide and "[Lookup formulas](#lookup-formulas)" in section
    assert "heavy border" in guide and "heavy border" in section
    assert "For reading, not for import" not in guide


@pytest.mark.parametrize("profile", [None, EXAMPLE_PROFILE])
def test_the_in_memory_sheet_writer_writes_what_openpyxls_own_writer_writes(tmp_path, framework, monkeypatch, profile):
    """style._Writer copies openpyxl's write_worksheet without its temporary file: the bytes must not differ."""
    from openpyxl.writer.excel import ExcelWriter

    from generator.edition import make_edition
    from generator.org.profile import load_profile
    from generator.renderers.raci_workbook import style

    edition = make_edition(framework, load_profile(profile, framework) if profile else None, only=("xlsx", "ciso"))
    build(edition, tmp_path / "ours")
    monkeypatch.setattr(style, "_Writer", ExcelWriter)
    build(edition, tmp_path / "openpyxl")
    ours = sorted(p.name for p in (tmp_path / "ours").glob("*.xlsx"))
    assert len(ours) == 2
    for name in ours:  # but for the formulas' cached results, which openpyxl's writer leaves empty
        with zipfile.ZipFile(tmp_path / "ours" / name) as a, zipfile.ZipFile(tmp_path / "openpyxl" / name) as b:
            assert a.namelist() == b.namelist()
            for member in a.namelist():
                mine = re.sub(rb' t="str"><f>([^<]*)</f><v>[^<]*</v>', rb"><f>\1</f><v></v>", a.read(member))
                assert mine == b.read(member), (name, member)

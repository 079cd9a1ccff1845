"""The poster as screen readers, text extractors and small print read it: tags, order, legibility."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from generator.cli import main
from generator.edition import Edition
from generator.org.branding import POSTER_SIZES, Branding
from generator.pipeline import build
from generator.renderers.poster.pdf import MIN_CELL_TEXT_PT, MIN_TEXT_PT, PosterError, render_pdf
from tests.test_poster import PDF, RELEASE, PosterPage, centre_in, column_models, domain_label, palette_fills

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture(scope="module", params=POSTER_SIZES)
def sized(request, tmp_path_factory, framework) -> Path:
    """The poster at each page size, built once for this module."""
    out = tmp_path_factory.mktemp(f"poster-{request.param}")
    build(Edition(framework, Branding(poster_size=request.param), ("pdf",)), out)
    return out / PDF


def expected_rows(framework) -> list[list[str]]:
    """Each matrix row as a reader should meet it: the domain, then each model's level and marker."""
    marker = framework.info.critical_marker
    rows = []
    for domain in framework.domains:
        cells = []
        for model in column_models(framework):
            cell = framework.cell(domain.id, model.id)
            cells.append(framework.level(cell.level_id).label + (f" {marker}" if cell.critical else ""))
        rows.append([domain_label(domain), *cells])
    return rows


# --- tags --------------------------------------------------------------------


def find(element: dict, kind: str) -> list[dict]:
    """Return every structure element of `kind` under `element`, in document order."""
    found = [element] if element["type"] == kind else []
    for child in element.get("children", []):
        found += find(child, kind)
    return found


def mcids(element: dict) -> list[int]:
    return [*element.get("mcids", []), *(m for child in element.get("children", []) for m in mcids(child))]


def tagged_text(element: dict, chars: list[dict]) -> str:
    """The text a screen reader reads for `element`: its marked content, in order."""
    parts = ["".join(c["text"] for c in chars if c.get("mcid") == mcid) for mcid in mcids(element)]
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def text_of(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_poster_is_a_tagged_pdf_with_language_title_and_xmp_metadata(build_dir, framework):
    reader = pypdf.PdfReader(build_dir / PDF)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "/StructTreeRoot" in root
    xmp = reader.xmp_metadata
    assert xmp.dc_title == {"x-default": framework.info.title}
    assert xmp.dc_creator == [framework.info.author]
    assert xmp.xmp_create_date == xmp.xmp_modify_date
    assert xmp.xmp_create_date.strftime("%Y-%m-%d") == framework.info.release_date
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()


@needs_poppler
def test_pdfinfo_reports_tagged(build_dir):
    info = subprocess.run(["pdfinfo", str(build_dir / PDF)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), info


def test_the_matrix_is_a_real_table_read_row_by_row(build_dir, framework):
    with pdfplumber.open(build_dir / PDF) as pdf:
        page = pdf.pages[0]
        chars, tree = page.chars, page.structure_tree
    (table,) = [t for root in tree for t in find(root, "Table")]
    (head,) = find(table, "THead")
    models = [m.short_name for m in column_models(framework)]
    header_rows = [[tagged_text(cell, chars) for cell in row["children"]] for row in find(head, "TR")]
    assert header_rows[-1][1:] == models
    body_rows = [row for body in find(table, "TBody") for row in find(body, "TR")]
    domain_rows = [row for row in body_rows if len(row["children"]) > 1]  # not the group headings
    assert [[c["type"] for c in row["children"]] for row in domain_rows] == [["TH"] + ["TD"] * len(models)] * len(
        framework.domains
    )
    data_cells = [cell for row in domain_rows for cell in row["children"] if cell["type"] == "TD"]
    assert len(data_cells) == len(framework.domains) * len(models)
    read = [[tagged_text(cell, chars) for cell in row["children"]] for row in domain_rows]
    assert read == expected_rows(framework)
    # Every data cell names its headers: its model's group, its model, its group of domains and its domain.
    headers = {text_of(th["id"]): th for th in find(table, "TH")}
    text = {key: tagged_text(th, chars) for key, th in headers.items()}
    category = {m.id: c.name for c in framework.info.categories for m in framework.models if m.category == c.id}
    groups = {False: "Established security domains", True: "AI-specific security domains"}
    for row, domain in zip(domain_rows, framework.domains, strict=True):
        domain_th = row["children"][0]
        assert next(text[text_of(h)] for h in domain_th["attributes"]["Headers"]) == "Security domain"
        for model, cell in zip(column_models(framework), row["children"][1:], strict=True):
            named = [text[text_of(h)] for h in cell["attributes"]["Headers"]]
            assert named[:2] == [category[model.id], model.short_name], named
            assert groups[domain.ai_specific] in named[2] and named[3] == tagged_text(domain_th, chars), named
    # Every header cell has a scope and is someone's header.
    assert {th["attributes"].get("Scope") for th in headers.values()} == {"Row", "Column"}
    named = {
        text_of(h)
        for element in find(table, "TD") + find(table, "TH")
        for h in element["attributes"].get("Headers", [])
    }
    assert named == set(headers), {text[key] for key in set(headers) - named}


@needs_poppler
@pytest.mark.parametrize("mode", ["-raw", "-layout"])
def test_pdftotext_reads_domains_in_order_and_each_row_in_model_order(sized, framework, mode):
    """Content order (-raw) and the physical layout (-layout) both give the matrix row by row, at every size.

    Each domain's number and name come straight before its cells, in the poster's column order, with
    nothing else between them (no side-panel text). A long name wraps in its cell, so in -layout mode
    only the words on its first line lead the row; the rest follow on the next line.
    """
    text = subprocess.run(["pdftotext", mode, str(sized), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    position = 0
    for row in expected_rows(framework):
        number, first, *rest = row[0].split(" ")
        start = re.compile(rf"\b{number} {re.escape(first)}").search(flat, position)
        assert start, (sized.parent.name, mode, row[0], flat[position : position + 200])
        name_words = "".join(rf"(?: {re.escape(word)}" for word in rest) + ")?" * len(rest)
        cells = "".join(rf" {re.escape(cell)}" for cell in row[1:])
        read = re.compile(rf"{name_words}{cells}(?= |$)").match(flat, start.end())
        assert read, (sized.parent.name, mode, row[0], flat[start.start() : start.end() + 300])
        position = read.end()


# --- legibility at every size --------------------------------------------------


def test_cell_text_is_at_least_8pt_and_no_words_overlap_at_every_size(sized, framework):
    page = PosterPage(sized)
    cells = [box for row in page.matrix(palette_fills(framework)) for box in row]
    heads = page.column_heads(page.matrix(palette_fills(framework)))
    matrix_chars = [c for c in page.chars if c["text"].strip() and any(centre_in(c, box) for box in cells + heads)]
    assert len({round(box["top"]) for box in cells}) == len(framework.domains)
    assert min(c["size"] for c in matrix_chars) >= MIN_CELL_TEXT_PT - 0.01, sized.parent.name
    with pdfplumber.open(sized) as pdf:
        words = pdf.pages[0].extract_words(x_tolerance=1)  # split at any visible gap
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            overlap_x = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert overlap_x <= 0 or overlap_y <= 0, (a["text"], b["text"])


def test_all_text_is_at_least_7_5pt_and_nothing_is_cut_at_every_size(sized, framework):
    page = PosterPage(sized)
    assert min(c["size"] for c in page.chars if c["text"].strip()) >= MIN_TEXT_PT - 0.01, sized.parent.name
    footer = min(w["top"] for w in page.words if w["text"] == "Source:")
    above = [w for w in page.words if w["bottom"] <= footer]
    assert all(w["bottom"] <= footer for w in page.words if w["top"] < footer), sized.parent.name  # no overlap
    words = {w["text"] for w in above}
    for principle in framework.info.principles:  # every word of each, on the page above the footer
        assert set(principle.text.split()) <= words, (sized.parent.name, principle.name)


def test_legend_descriptions_never_wrap_under_their_swatches_at_every_size(sized, framework):
    """Each description's lines start at one x: beside its swatch, or (a narrow panel) all under it."""
    page = PosterPage(sized)
    side = min(w["x0"] for w in page.words if w["text"] == "Legend")
    labels = {level.label for level in framework.info.levels}  # the swatches' words, beside or above
    words = [w for w in page.words if w["x0"] >= side - 1 and w["text"] not in labels]
    words.sort(key=lambda w: (round(w["top"]), w["x0"]))
    texts = [w["text"] for w in words]
    for level in framework.info.levels:
        wanted = level.definition.split()
        start = next(i for i in range(len(texts)) if texts[i : i + len(wanted)] == wanted)
        lines: dict[int, float] = {}
        for w in words[start : start + len(wanted)]:
            lines[round(w["top"])] = min(lines.get(round(w["top"]), w["x0"]), w["x0"])
        assert len(lines) > 1 and max(lines.values()) - min(lines.values()) < 0.5, (sized.parent.name, level.id, lines)


def test_each_rows_cells_sit_on_the_baseline_of_its_labels_first_line_at_every_size(sized, framework):
    """What lets -layout read a row as one line: the cells' text shares the baseline of the name's first line."""
    page = PosterPage(sized)
    rows = page.matrix(palette_fills(framework))
    assert len(rows) == len(framework.domains)
    for row in rows:
        band = {"top": row[0]["top"], "bottom": row[0]["bottom"]}
        label = [c for c in page.chars if c["text"].strip() and centre_in(c, {**band, "x0": 0, "x1": row[0]["x0"]})]
        cells = [c for c in page.chars if c["text"].strip() and any(centre_in(c, box) for box in row)]
        first_line = max(c["matrix"][5] for c in label)  # PDF y grows upwards: the top line
        assert {round(c["matrix"][5], 2) for c in cells} == {round(first_line, 2)}, (sized.parent.name, row[0])


def test_neighbouring_column_heads_never_touch(sized, framework):
    """Two model names side by side are at least one em apart, so they never read as one phrase."""
    page = PosterPage(sized)
    heads = page.column_heads(page.matrix(palette_fills(framework)))
    texts = [[w for w in page.words if centre_in(w, head)] for head in heads]
    for left, right in itertools.pairwise(texts):
        for a in left:
            for b in right:
                if min(a["bottom"], b["bottom"]) > max(a["top"], b["top"]):  # on the same line
                    size = max(a["bottom"] - a["top"], b["bottom"] - b["top"])
                    assert b["x0"] - a["x1"] >= size, (sized.parent.name, a["text"], b["text"])


@pytest.mark.parametrize("size", ["A3", "Letter"])
def test_an_edition_poster_with_logo_and_fewer_models_fits_one_page(tmp_path, framework, size):
    """The example profile: logo and name in the masthead, four models, every row and the footer on one page."""
    out = tmp_path / "out"
    assert main(["build", "--org", str(EXAMPLE), "--out", str(out), "--only", "pdf", "--poster-size", size]) == 0
    (pdf,) = out.glob("*/*-poster.pdf")
    page = PosterPage(pdf)
    rows = page.matrix(palette_fills(framework))
    assert page.row_labels(rows) == [domain_label(d) for d in framework.domains]
    assert len({len(row) for row in rows}) == 1
    text = " ".join(w["text"] for w in page.words)
    assert "Northwind Analytics" in text and "Key principles" in text and "ai-srm-generator" in text
    footer = min(w["top"] for w in page.words if w["text"] == "Source:")
    assert max(box["bottom"] for row in rows for box in row) < footer
    cells = [box for row in rows for box in row]
    assert min(c["size"] for c in page.chars if any(centre_in(c, b) for b in cells)) >= MIN_CELL_TEXT_PT - 0.01


def test_a_cell_naming_a_missing_header_fails_the_render():
    html = (
        '<html lang="en"><table><tr><th id="a" scope="col">A</th></tr><tr><td headers="a b">x</td></tr></table></html>'
    )
    with pytest.raises(PosterError, match="a table cell names headers b: no header cell has that id"):
        render_pdf(html, "", RELEASE)


def test_a_page_that_overflows_fails_the_render():
    with pytest.raises(PosterError, match="does not fit on one page: it takes 2"):
        render_pdf('<html lang="en"><p style="break-after: page">one</p><p>two</p></html>', "", RELEASE)


def test_xmp_dates_follow_source_date_epoch(tmp_path, framework, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(Edition(framework, only=("pdf",)), tmp_path)
    xmp = pypdf.PdfReader(tmp_path / PDF).xmp_metadata
    assert xmp.xmp_create_date.isoformat() == xmp.xmp_modify_date.isoformat() == "2023-11-14T22:13:20"

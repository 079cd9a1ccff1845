"""The PDF poster: page, text, cells, colours, fonts, metadata, containment and reproducibility."""

from __future__ import annotations

import builtins
import ctypes.util
import io
import os
import socket
import struct
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import pdfplumber
import pypdf
import pytest

from generator.cli import main
from generator.edition import Edition
from generator.org.branding import POSTER_SIZES, POSTER_SIZES_MM, Branding, Logo
from generator.pipeline import build, build_time
from generator.renderers import by_name
from generator.renderers.base import RenderContext
from generator.renderers.poster.fetcher import ContainedFetcher, ResourceRefused
from generator.renderers.poster.pdf import Poster, PosterError, render_pdf
from generator.search_path import SearchPath
from generator.template_context import template_context
from generator.templating import TEMPLATES_DIR, make_environment

PDF = "ai-security-responsibility-poster.pdf"
PNG = "ai-security-responsibility-poster.png"
PT_PER_MM = 72 / 25.4
WHITE = (255, 255, 255)
BUNDLED_FONT = "DejaVu-Sans-Bundled"
RELEASE = datetime(2025, 9, 26, tzinfo=UTC)


# --- reading the PDF back ---------------------------------------------------


def rgb255(colour) -> tuple[int, ...]:
    """Return a pdfplumber colour (grey or RGB floats) as 0-255 RGB."""
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    if len(values) == 1:
        values = values * 3
    return tuple(round(v * 255) for v in values)


def hex_rgb(value: str) -> tuple[int, ...]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def luminance(rgb: tuple[int, ...]) -> float:
    """WCAG 2.x relative luminance."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def centre_in(obj: dict, box: dict) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return box["x0"] <= x <= box["x1"] and box["top"] <= y <= box["bottom"]


def reading_order(words: list[dict]) -> str:
    """Join words line by line, left to right; a word whose middle is within a line's height joins it."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: w["top"]):
        if lines and lines[-1][0]["top"] <= (word["top"] + word["bottom"]) / 2 <= lines[-1][0]["bottom"]:
            lines[-1].append(word)
        else:
            lines.append([word])
    return " ".join(w["text"] for line in lines for w in sorted(line, key=lambda w: w["x0"]))


def text_in(words: list[dict], box: dict) -> str:
    return reading_order([w for w in words if centre_in(w, box)])


class PosterPage:
    """The one page of a poster PDF: size, words, characters and painted backgrounds."""

    def __init__(self, path: Path):
        with pdfplumber.open(path) as pdf:
            assert len(pdf.pages) == 1
            page = pdf.pages[0]
            self.width, self.height = float(page.width), float(page.height)
            self.words = page.extract_words()
            self.chars = list(page.chars)
            # Even-odd fills are frames (outlines), not backgrounds.
            self.backgrounds = [r for r in page.rects if r["fill"] and not r["evenodd"]]

    def background_of(self, obj: dict) -> tuple[int, ...]:
        """Return the colour painted last under the centre of `obj` (white page if none)."""
        under = [r for r in self.backgrounds if centre_in(obj, r)]
        return rgb255(under[-1]["non_stroking_color"]) if under else WHITE

    def matrix(self, fills: set[tuple[int, ...]]) -> list[list[dict]]:
        """Return the matrix cells as rows of boxes: the level-coloured boxes of the most common width.

        Every model column is as wide as the others (the legend's swatches are narrower); a row is
        as tall as its domain's name needs, so a name that wraps makes its row's cells taller.
        """
        coloured = [r for r in self.backgrounds if rgb255(r["non_stroking_color"]) in fills]
        width = Counter(round(r["width"]) for r in coloured).most_common(1)[0][0]
        cells = [r for r in coloured if round(r["width"]) == width]
        rows: dict[int, list[dict]] = {}
        for cell in cells:
            rows.setdefault(round(cell["top"]), []).append(cell)
        return [sorted(rows[top], key=lambda r: r["x0"]) for top in sorted(rows)]

    def row_labels(self, rows: list[list[dict]]) -> list[str]:
        """Return the text left of each matrix row: domain number, name and marker."""
        boxes = [{"x0": 0, "x1": row[0]["x0"], "top": row[0]["top"], "bottom": row[0]["bottom"]} for row in rows]
        return [text_in(self.words, box) for box in boxes]

    def column_heads(self, rows: list[list[dict]]) -> list[dict]:
        """Return the header box right above each matrix column."""
        return [self.header_above(column, rows[0][0]["top"]) for column in rows[0]]

    def header_above(self, column: dict, first_row_top: float) -> dict:
        """Return the lowest background above the first row that spans exactly this column."""
        same = [
            r
            for r in self.backgrounds
            if abs(r["x0"] - column["x0"]) < 1 and abs(r["x1"] - column["x1"]) < 1 and r["bottom"] <= first_row_top
        ]
        return max(same, key=lambda r: r["bottom"])


def column_models(framework):
    return [m for c in framework.info.categories for m in framework.models if m.category == c.id]


def palette_fills(framework, branding=None) -> set[tuple[int, ...]]:
    return {hex_rgb(c.fill) for c in (branding or Branding()).level_colours(framework.info.level_ids).values()}


@pytest.fixture(scope="module")
def a2(build_dir) -> PosterPage:
    return PosterPage(build_dir / PDF)


@pytest.fixture(scope="module")
def a2_reader(build_dir) -> pypdf.PdfReader:
    return pypdf.PdfReader(build_dir / PDF)


# --- page, text, layout ------------------------------------------------------


def assert_page_size(reader: pypdf.PdfReader, size: str) -> None:
    width_mm, height_mm = POSTER_SIZES_MM[size]
    box = reader.pages[0].mediabox
    assert len(reader.pages) == 1
    assert float(box.width) == pytest.approx(width_mm * PT_PER_MM, abs=1)
    assert float(box.height) == pytest.approx(height_mm * PT_PER_MM, abs=1)


def domain_label(domain) -> str:
    return f"{domain.number} {domain.name}" + (" ★" if domain.ai_specific else "")


def assert_fits(page: PosterPage, framework) -> None:
    """Every name is in place, cell text stays in its cell, words stay inside the margins and never overlap."""
    words = page.words
    rows = page.matrix(palette_fills(framework))
    assert page.row_labels(rows) == [domain_label(d) for d in framework.domains]
    heads = [text_in(words, box) for box in page.column_heads(rows)]
    assert heads == [m.short_name for m in column_models(framework)]
    for row in rows:
        for box in row:
            inside = [w for w in words if centre_in(w, box)]
            assert inside and all(box["x0"] <= w["x0"] and w["x1"] <= box["x1"] for w in inside), inside
    margin = 5 * PT_PER_MM
    for w in words:
        assert margin <= w["x0"] and w["x1"] <= page.width - margin, w
        assert margin <= w["top"] and w["bottom"] <= page.height - margin, w
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            overlap_x = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert overlap_x < 0.5 or overlap_y < 0.5, (a["text"], b["text"])


def test_registered_as_pdf():
    assert isinstance(by_name()["pdf"], Poster)


def test_default_poster_is_one_a2_landscape_page_with_everything_on_it(build_dir, a2, a2_reader, framework):
    assert_page_size(a2_reader, "A2")
    assert a2_reader.pages[0].mediabox.width == pytest.approx(1683.78, abs=1)
    assert a2_reader.pages[0].mediabox.height == pytest.approx(1190.55, abs=1)
    assert_fits(a2, framework)


@pytest.mark.parametrize("size", [s for s in POSTER_SIZES if s != "A2"])
def test_every_size_fits_on_one_page(tmp_path, framework, size):
    build(Edition(framework, branding=Branding(poster_size=size), only=("pdf",)), tmp_path)
    assert_page_size(pypdf.PdfReader(tmp_path / PDF), size)
    assert_fits(PosterPage(tmp_path / PDF), framework)


def test_cli_poster_size_option(tmp_path):
    assert main(["build", "--out", str(tmp_path), "--only", "pdf", "--poster-size", "A3"]) == 0
    assert_page_size(pypdf.PdfReader(tmp_path / PDF), "A3")
    with pytest.raises(SystemExit) as usage_error:
        main(["build", "--out", str(tmp_path), "--only", "pdf", "--poster-size", "A0"])
    assert usage_error.value.code == 2


def test_domain_rows_read_back_as_the_matrix(a2, framework):
    """Each row: number, name and ★ on the left, then each cell's level and critical marker."""
    colours = Branding().level_colours(framework.info.level_ids)
    rows = a2.matrix(palette_fills(framework))
    columns = column_models(framework)
    assert [len(row) for row in rows] == [len(columns)] * len(framework.domains)
    marker = framework.info.critical_marker
    assert a2.row_labels(rows) == [domain_label(d) for d in framework.domains]
    for domain, row in zip(framework.domains, rows, strict=True):
        for model, box in zip(columns, row, strict=True):
            cell = framework.cell(domain.id, model.id)
            level = framework.level(cell.level_id)
            expected = level.label + (f" {marker}" if cell.critical else "")
            assert text_in(a2.words, box) == expected, cell.id
            assert rgb255(box["non_stroking_color"]) == hex_rgb(colours[level.id].fill), cell.id


def test_column_heads_are_model_short_names_grouped_by_category(a2, framework):
    heads = a2.column_heads(a2.matrix(palette_fills(framework)))
    assert [text_in(a2.words, h) for h in heads] == [m.short_name for m in column_models(framework)]
    start = 0
    for category in framework.info.categories:
        count = sum(1 for m in framework.models if m.category == category.id)
        span = {"x0": heads[start]["x0"], "x1": heads[start + count - 1]["x1"]}
        group = a2.header_above(span, heads[start]["top"])
        assert text_in(a2.words, group) == category.name
        start += count


def test_legend_principles_title_and_footer(a2, framework):
    text = " ".join(w["text"] for w in a2.words)
    info = framework.info
    for phrase in [info.title, f"Framework version {info.version}", info.release_date, "Legend", "Key principles"]:
        assert phrase in text
    for principle in info.principles:
        assert principle.name in text
    for level in info.levels:
        assert level.label in text
    assert "Critical focus area" in text and "AI-specific domain" in text
    assert info.source_url in text and f"{info.licence} licence" in text
    assert "ai-srm-generator" in text


# --- colours -----------------------------------------------------------------


def test_default_palette_meets_wcag_aa(framework):
    ratios = {
        k: contrast(hex_rgb(c.text), hex_rgb(c.fill))
        for k, c in Branding().level_colours(framework.info.level_ids).items()
    }
    assert set(ratios) == {level.id for level in framework.info.levels}
    assert min(ratios.values()) >= 4.5, ratios


def test_fallback_colours_for_extra_levels_meet_wcag_aa(framework):
    extra = tuple(replace(framework.info.levels[0], id=f"extra-{i}", label=f"Extra {i}") for i in range(3))
    bigger = replace(framework, info=replace(framework.info, levels=framework.info.levels + extra))
    for level_id, colours in Branding().level_colours(bigger.info.level_ids).items():
        assert contrast(hex_rgb(colours.text), hex_rgb(colours.fill)) >= 4.5, level_id


def test_every_character_on_the_poster_meets_wcag_aa_against_what_is_under_it(a2):
    """Read each glyph's colour and the background painted under it from the PDF itself."""
    worst = min((contrast(rgb255(c["non_stroking_color"]), a2.background_of(c)), c["text"]) for c in a2.chars)
    assert worst[0] >= 4.5, worst


# --- fonts, metadata, preview ------------------------------------------------


def test_fonts_are_the_bundled_ones_and_embedded(a2, a2_reader):
    fonts = a2_reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
            "/FontDescriptor"
        ].get_object()
        assert BUNDLED_FONT in font["/BaseFont"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
    assert {c["fontname"].split("+")[-1].removesuffix("-Bold") for c in a2.chars} == {BUNDLED_FONT}


def test_metadata(a2_reader, framework):
    info = a2_reader.metadata
    assert info["/Title"] == framework.info.title
    assert info["/Author"] == framework.info.author
    assert framework.info.version in info["/Subject"]
    assert "shared responsibility" in info["/Keywords"]
    assert info["/CreationDate"] == info["/ModDate"] == "D:20250926000000Z"
    assert a2_reader.trailer["/Root"]["/Lang"] == "en"


def test_preview_png_is_written_and_shows_the_poster(build_dir, a2, framework):
    data = (build_dir / PNG).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1600 and height == pytest.approx(1600 * 420 / 594, abs=1)
    from PIL import Image

    zoom = width / a2.width
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        for box in [cell for row in a2.matrix(palette_fills(framework)) for cell in row]:
            x, y = (box["x0"] + box["x1"]) / 2 * zoom, (box["top"] + 0.15 * box["height"]) * zoom
            assert rgb.getpixel((round(x), round(y))) == rgb255(box["non_stroking_color"])


def test_organisation_edition_keeps_names_literal_and_shows_the_logo(tmp_path, framework):
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        '<rect width="120" height="40" fill="#123456"/></svg>'
    )
    name = "Smith & Sons <Ltd>"
    logo = Logo(svg=profile / "logo.svg", raster=None, raster_type=None, width=None, height=None)
    branding = Branding(organisation=name, logo=logo, file_prefix="smith")
    build(
        Edition(framework, branding=branding, only=("pdf",), search_path=SearchPath(assets=(profile,))),
        tmp_path / "out",
    )
    pdf = tmp_path / "out" / "smith-poster.pdf"
    page = PosterPage(pdf)
    assert name in reading_order(page.words)
    assert (0x12, 0x34, 0x56) in {rgb255(r["non_stroking_color"]) for r in page.backgrounds}
    info = pypdf.PdfReader(pdf).metadata
    assert info["/Author"] == name and info["/Title"].endswith(name)


# --- containment: what WeasyPrint may read ----------------------------------


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Record every file Python opens and every network connection attempted."""
    opened: list[str] = []
    real_open = builtins.open

    def spy_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def no_network(address, *args, **kwargs):
        opened.append(f"network:{address}")
        raise OSError("network disabled in tests")

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(socket, "create_connection", no_network)
    return opened


def assert_contained(opened: list[str]) -> None:
    """Nothing was fetched from the network and nothing under /etc was opened."""
    for entry in opened:
        assert not entry.startswith("network:"), entry
        assert not Path(entry).resolve().is_relative_to("/etc"), entry


HOSTILE = {
    "image": ('<img src="file:///etc/passwd">', "file:///etc/passwd"),
    "relative image": ('<img src="../../../../../../../../etc/passwd">', "/etc/passwd"),
    "stylesheet": ('<link rel="stylesheet" href="http://127.0.0.1:9/x.css">', "http://127.0.0.1:9/x.css"),
    "attachment": ('<link rel="attachment" href="file:///etc/passwd">', "file:///etc/passwd"),
    "import": ('<style>@import url("https://example.com/x.css");</style>', "https://example.com/x.css"),
    "font": (
        '<style>@font-face { font-family: X; src: url("ftp://example.com/x.ttf") } p { font-family: X }</style>',
        "ftp://example.com/x.ttf",
    ),
    "object": ('<object data="file:///etc/hostname"></object>', "file:///etc/hostname"),
    "svg image": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="file:///etc/passwd"/></svg>',
        "file:///etc/passwd",
    ),
}


@pytest.mark.parametrize("snippet, url", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_resources_are_refused_before_reading(reads, snippet, url):
    with pytest.raises(PosterError) as raised:
        render_pdf(f"<html><body><p>x</p>{snippet}</body></html>", "", RELEASE)
    message = str(raised.value)
    assert url in message and "refused" in message and str(TEMPLATES_DIR) in message
    assert_contained(reads)


def test_hostile_template_override_fails_the_build_with_a_clear_error(tmp_path, framework, reads):
    override = tmp_path / "override"
    (override / "poster").mkdir(parents=True)
    (override / "poster" / "poster.html.j2").write_text('<html><body><img src="file:///etc/passwd"></body></html>')
    ctx = RenderContext(
        framework,
        build_time(framework),
        make_environment(SearchPath(overrides=(override,))),
        template_context(framework),
    )
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PosterError, match="refused to fetch file:///etc/passwd: /etc/passwd is outside"):
        Poster().render(ctx, out)
    assert list(out.iterdir()) == []
    assert_contained(reads)


def test_fetcher_serves_data_urls_and_files_inside_the_roots():
    fetcher = ContainedFetcher()
    font = TEMPLATES_DIR / "fonts" / "DejaVuSans.ttf"
    assert fetcher.fetch(font.as_uri()).read() == font.read_bytes()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        (TEMPLATES_DIR / "..").as_uri() + "/pyproject.toml",
        "file://example.com/etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_everything_else_naming_url_and_roots(url):
    with pytest.raises(ResourceRefused) as raised:
        ContainedFetcher().fetch(url)
    assert url in str(raised.value) and str(TEMPLATES_DIR) in str(raised.value)


def test_a_rootless_file_url_is_read_from_the_root_on_every_python(tmp_path, monkeypatch):
    # `../` past the root: urljoin gives file:///etc/passwd on Python 3.11 and 3.12, file:etc/passwd on 3.13.
    base = TEMPLATES_DIR.as_uri() + "/"
    assert urljoin(base, "../" * len(TEMPLATES_DIR.parts) + "etc/passwd") in ("file:///etc/passwd", "file:etc/passwd")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("not the system's")
    monkeypatch.chdir(tmp_path)  # a rootless path is not read against the working folder
    with pytest.raises(ResourceRefused) as raised:
        ContainedFetcher().fetch("file:etc/passwd")
    refused = "refused to fetch file:///etc/passwd: /etc/passwd is outside the allowed folders"
    assert str(raised.value).startswith(refused)
    font = TEMPLATES_DIR / "fonts" / "DejaVuSans.ttf"
    assert ContainedFetcher().fetch("file:" + font.as_posix().lstrip("/")).read() == font.read_bytes()


def test_symlinks_out_of_an_allowed_folder_are_refused(tmp_path, reads):
    root = tmp_path / "organisation"
    root.mkdir()
    (root / "logo.png").symlink_to("/etc/passwd")
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    fetcher = ContainedFetcher(SearchPath(assets=(root,)))
    for link in (root / "logo.png", root / "etc" / "passwd"):
        with pytest.raises(ResourceRefused, match="is a symbolic link"):
            fetcher.fetch(link.as_uri())
    with pytest.raises(PosterError, match=r"logo\.png is a symbolic link"):
        render_pdf(f'<img src="{(root / "logo.png").as_uri()}">', "", RELEASE, SearchPath(assets=(root,)))
    assert_contained(reads)


def test_logged_weasyprint_problems_fail_the_render():
    with pytest.raises(PosterError, match="WeasyPrint warning: Ignored `colr: red`"):
        render_pdf('<p style="colr: red">x</p>', "", RELEASE)


# --- reproducibility ---------------------------------------------------------


def test_two_builds_are_byte_identical(tmp_path, framework):
    build(Edition(framework, only=("pdf",)), tmp_path / "a")
    time.sleep(1.1)
    build(Edition(framework, only=("pdf",)), tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir() if p.name != "manifest.json")
    assert PDF in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_source_date_epoch_sets_the_dates(tmp_path, framework, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(Edition(framework, only=("pdf",)), tmp_path)
    info = pypdf.PdfReader(tmp_path / PDF).metadata
    assert info["/CreationDate"] == info["/ModDate"] == "D:20231114221320Z"
    assert "on 2023-11-14." in reading_order(PosterPage(tmp_path / PDF).words)
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"


def test_fonttools_subsetter_is_reproducible_too(monkeypatch):
    """Without HarfBuzz's subsetter WeasyPrint uses fontTools, which stamps fonts unless SOURCE_DATE_EPOCH is set."""
    from weasyprint.pdf import fonts

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    css = '@font-face { font-family: B; src: url("fonts/DejaVuSans.ttf") } p { font-family: B }'
    first = render_pdf('<html lang="en"><p>Reproducible</p>', css, RELEASE)
    time.sleep(1.1)
    second = render_pdf('<html lang="en"><p>Reproducible</p>', css, RELEASE)
    assert first == second
    assert "SOURCE_DATE_EPOCH" not in os.environ


@pytest.mark.skipif(not ctypes.util.find_library("harfbuzz-subset"), reason="libharfbuzz-subset not installed")
def test_harfbuzz_subsetter_is_in_use_when_installed():
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)

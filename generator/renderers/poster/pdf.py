"""The poster: the whole matrix on one print-ready PDF page, plus a PNG preview.

WeasyPrint renders an HTML template and a stylesheet template from `templates/poster/`.
It may read only files inside the templates folder and the organisation's own folder
(see `generator.renderers.poster.fetcher`), and any problem it logs fails the build.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.org.branding import POSTER_SIZES_MM, Branding
from generator.prose import series
from generator.renderers.base import RenderContext
from generator.renderers.poster.weasyprint_import import import_weasyprint
from generator.renderers.traits import Output, Traits
from generator.search_path import SearchPath
from generator.templating import TEMPLATES_DIR, render_template

DESIGN_SIZE = "A2"  # the stylesheet is drawn at this size and scaled to the others
HTML_TEMPLATE = "poster/poster.html.j2"
CSS_TEMPLATE = "poster/poster.css.j2"
PREVIEW_WIDTH_PX = 1600
PNG_COMPRESS_LEVEL = 1
# Tagged PDF for screen readers: structure tree (headings, lists, a table with header and
# data cells) in reading order, document language, title shown by viewers, XMP metadata.
PDF_VARIANT = "pdf/ua-1"
PT_PER_MM = 72 / 25.4
# The layout, in rem at the design size (1rem = 10pt at A2): page margin in mm, the
# domain column, one model column, the side panel (widest and narrowest) and the gap.
MARGIN_MM = 14
DOMAIN_COLUMN_REM = 27
MODEL_COLUMN_REM = 12
MODEL_COLUMN_EM = 7.7  # of cell text: room for "On-Premises" as a header, with padding
# A per-party cell has a line "<party>: <level>" for each party: a column is as wide as the longest
# line at this many em a character (bold DejaVu Sans, capitals and padding included), if wider than above.
PARTY_LINE_EM_PER_CHAR = 0.72
SIDE_REM = (24, 34)
GAP_REM = 3
CELL_TEXT_REM = 1.5
# No cell text below this on any page size (issue: 7pt on Letter was hard to read).
MIN_CELL_TEXT_PT = 8
# No other text below this (the stylesheet's text() floor).
MIN_TEXT_PT = 7.5
# A side panel narrower than this holds only the legend, each description under its swatch; the key
# principles go under the matrix, across the page, and the matrix rows are lower to make room for them.
SIDE_REM_FOR_ALL = 30
ROW_REM, ROW_REM_COMPACT = 4.5, 3.4
# WeasyPrint warns when it subsets fonts with fontTools because HarfBuzz's subsetter is
# missing: slower, but the output is still right, so that warning alone is no failure.
_HARMLESS_WARNINGS = ("Using fontTools instead of HarfBuzz-Subset",)

POSTER_PDF = Output(
    "poster.pdf",
    "the whole matrix on one print-ready page, with legend and key principles",
    "walls and slides",
    beside=True,
)
POSTER_PNG = Output("poster.png", "a preview picture of the poster", "READMEs, chat and a quick look", beside=True)


class PosterError(Exception):
    """WeasyPrint refused a resource or reported a problem while rendering the poster."""


@dataclass(frozen=True)
class PosterJob:
    """The poster's HTML and stylesheet, rendered, and what its files need besides: picklable, for its own process."""

    html: str
    css: str
    build_time: datetime
    search_path: SearchPath
    pdf_name: str
    png_name: str

    def __call__(self, out_dir: Path) -> list[Path]:
        """Render the PDF and its preview into `out_dir`; return their paths."""
        pdf = render_pdf(self.html, self.css, self.build_time, self.search_path)
        (out_dir / self.pdf_name).write_bytes(pdf)
        write_preview(out_dir / self.pdf_name, out_dir / self.png_name)
        return [Path(self.pdf_name), Path(self.png_name)]


def prepare(ctx: RenderContext) -> PosterJob:
    """Render the poster's HTML and stylesheet: the part of its work that needs the edition, not WeasyPrint."""
    env_context = {**ctx.context, "poster": poster_context(ctx)}
    html = render_template(ctx.env, HTML_TEMPLATE, env_context)
    css = render_template(ctx.env, CSS_TEMPLATE, env_context)
    return PosterJob(html, css, ctx.build_time, ctx.search_path, ctx.file(POSTER_PDF), ctx.file(POSTER_PNG))


class Poster:
    name = "pdf"
    description = "print-ready PDF poster of the whole matrix (A2 landscape by default), with a PNG preview"
    traits = Traits(
        outputs=(POSTER_PDF, POSTER_PNG),
        templates=None,  # it may fetch any file inside the template folders by URL
        own_process=True,  # the slowest format (WeasyPrint)
        preload=import_weasyprint,
        prepare=prepare,  # the build process renders the templates; the poster's process, the PDF and preview
        subsets_fonts=True,
        libraries=("weasyprint", "pydyf", "fonttools", "pillow", "pypdfium2"),
    )

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        return prepare(ctx)(out_dir)


def poster_context(ctx: RenderContext) -> dict:
    """Return the poster's own template values: page, layout, colours, columns, rows, edition."""
    branding, info = ctx.branding, ctx.framework.info
    width, height = POSTER_SIZES_MM[branding.poster_size]
    columns = [m for category in ctx.context["categories"] for m in category["models"]]
    order = [ctx.context["models"].index(m) for m in columns]
    rows = [{"domain": row["domain"], "cells": [row["cells"][i] for i in order]} for row in ctx.context["matrix"]]
    return {
        "width_mm": width,
        "height_mm": height,
        **page_layout(width, height, len(columns), _column_em(ctx)),
        "colours": {k: {"fill": c.fill, "text": c.text} for k, c in branding.level_colours(info.level_ids).items()},
        "primary": branding.primary,
        "columns": columns,
        "rows": rows,
        "organisation": branding.organisation,
        "logo_url": _logo_url(branding),
        "font_url": branding.font_file.as_uri() if branding.font_file else None,
        "author": branding.organisation or info.author,
        "built": ctx.build_time.strftime("%Y-%m-%d"),
        # per-party cells: how many parties each gives a level to, and their names in running text
        "value_party_count": len(info.cell_parties),
        "value_parties": series([ctx.framework.party(p).name for p in info.cell_parties]),
        "timestamp": ctx.build_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _column_em(ctx: RenderContext) -> float:
    """The width a model column needs, in em of cell text: per-party cells need room for their longest line."""
    fw = ctx.framework
    if not fw.info.per_party:
        return MODEL_COLUMN_EM
    longest = max(len(f"{party.name}: {level.label}") for cell in fw.cells for party, level in fw.values(cell) if party)
    return max(MODEL_COLUMN_EM, round(longest * PARTY_LINE_EM_PER_CHAR, 2))


def page_layout(width_mm: float, height_mm: float, model_count: int, column_em: float = MODEL_COLUMN_EM) -> dict:
    """Return the scale of the design to this page and the widths of the matrix and side panel, in rem.

    The design is drawn for A2 and scaled to fit the page. Where that would make cell text
    smaller than MIN_CELL_TEXT_PT, the matrix text stays at that size (the stylesheet's
    floors), its model columns widen by as much, and the side panel narrows to make room.
    A side panel too narrow for legend and principles at MIN_TEXT_PT (Letter) keeps the legend;
    the principles go across the foot of the page, above the footer.
    """
    design_width, design_height = POSTER_SIZES_MM[DESIGN_SIZE]
    scale = round(min(width_mm / design_width, height_mm / design_height), 4)
    root_pt = 10 * scale
    margin_mm = round(MARGIN_MM * scale, 2)
    content_rem = (width_mm - 2 * margin_mm) * PT_PER_MM / root_pt
    cell_text_rem = max(CELL_TEXT_REM, MIN_CELL_TEXT_PT / root_pt)
    matrix_needs = DOMAIN_COLUMN_REM + model_count * max(MODEL_COLUMN_REM, column_em * cell_text_rem)
    side = min(max(content_rem - matrix_needs - GAP_REM, SIDE_REM[0]), SIDE_REM[1])
    compact = side < SIDE_REM_FOR_ALL
    return {
        "scale": scale,  # not used by the default stylesheet; kept for organisation overrides
        "root_pt": round(root_pt, 3),
        "margin_mm": margin_mm,
        "min_cell_pt": MIN_CELL_TEXT_PT,
        "min_text_pt": MIN_TEXT_PT,
        "row_rem": ROW_REM_COMPACT if compact else ROW_REM,
        "principles_below": compact,
        "domain_rem": DOMAIN_COLUMN_REM,
        "side_rem": round(side, 2),
        "matrix_rem": round(content_rem - side - GAP_REM, 2),
    }


def _logo_url(branding: Branding) -> str | None:
    """Return the logo as a URL: the SVG file (vector) when there is one, else the checked raster."""
    logo = branding.logo
    if logo is None:
        return None
    return logo.svg.as_uri() if logo.svg else logo.raster_data_url()


def render_pdf(html: str, css: str, when: datetime, search_path: SearchPath | None = None) -> bytes:
    """Render HTML and CSS to a one-page PDF, reading only allowed files; fail on refusals, problems or overflow."""
    # WeasyPrint costs most of a second to import: only builds that make a poster pay it.
    from generator.renderers.poster.weasyprint_import import import_weasyprint

    import_weasyprint()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    from generator.renderers.poster.fetcher import ContainedFetcher
    from generator.renderers.poster.table_tags import TableTagError, link_table_headers

    fetcher = ContainedFetcher(search_path)
    base_url = TEMPLATES_DIR.as_uri() + "/"
    with _source_date_epoch(when), _logged_problems() as problems:
        try:
            fonts = FontConfiguration()
            stylesheet = CSS(string=css, base_url=base_url, url_fetcher=fetcher, font_config=fonts)
            options = {"stylesheets": [stylesheet], "pdf_variant": PDF_VARIANT, "pdf_identifier": True}
            document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(font_config=fonts, **options)
            if len(document.pages) != 1:
                problems.append(f"the poster does not fit on one page: it takes {len(document.pages)}")
            pdf = document.write_pdf(finisher=link_table_headers, **options)
            problems += _machine_fonts(document.fonts.values(), html + css)
        except FatalURLFetchingError as exc:  # a BaseException, raised when a fetch fails
            problems.append(str(exc.__cause__ or exc))
        except TableTagError as exc:
            problems.append(str(exc))
    # Refusals come first: WeasyPrint logs some of them (in SVG images) without the URL.
    failures = list(dict.fromkeys([*fetcher.refused, *problems]))
    if failures:
        raise PosterError("; ".join(failures))
    return pdf


def _machine_fonts(used: Iterable, sources: str) -> list[str]:
    """Name each font family the poster embeds that no @font-face rule in its HTML or CSS provides.

    Such a family (`font-family: "DejaVu Serif", serif`) is whatever the machine has installed,
    so the bytes would depend on the machine. An @font-face rule's files come through the
    fetcher, so only from the templates or the profile folder (a `local()` font is refused there).
    """
    declared = {_family(name) for name in _FONT_FACE_FAMILY.findall(sources)}
    machine = sorted({font.family for font in used if _family(font.family) not in declared})
    return [
        f"the poster uses the font {family!r} installed on this machine; name only families that an @font-face "
        "rule loads from the templates or the profile folder (DejaVu Sans Bundled, Organisation Font)"
        for family in machine
    ]


_FONT_FACE_FAMILY = re.compile(r"@font-face\s*\{[^}]*?font-family\s*:\s*([^;}]+)", re.IGNORECASE)


def _family(name: str) -> str:
    return name.strip().strip("\"'").strip().casefold()


def write_preview(pdf: Path, png: Path) -> None:
    """Rasterise the first page of `pdf` to a PNG PREVIEW_WIDTH_PX wide.

    pypdfium2 carries its own PDFium and Pillow its own encoder, so the bytes depend only on
    pinned packages, not on what the machine has installed. zlib's fastest level takes a third
    less time than the default and, for this flat-coloured image, makes a smaller file.
    """
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width, _ = page.get_size()
        image = page.render(scale=PREVIEW_WIDTH_PX / width).to_pil()
        image.save(png, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    finally:
        document.close()


@contextmanager
def _source_date_epoch(when: datetime) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH to `when` for the block, so font subsets carry no current time."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


class _Collector(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(_HARMLESS_WARNINGS):
            self.messages.append(f"WeasyPrint {record.levelname.lower()}: {message}")


@contextmanager
def _logged_problems() -> Iterator[list[str]]:
    """Collect the warnings and errors WeasyPrint logs during the block into the list yielded."""
    logger = logging.getLogger("weasyprint")
    messages: list[str] = []
    collector, level = _Collector(messages), logger.level
    logger.addHandler(collector)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield messages
    finally:
        logger.removeHandler(collector)
        logger.setLevel(level)

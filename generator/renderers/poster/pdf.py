"""The poster: the whole matrix on one print-ready PDF page, plus a PNG preview.

WeasyPrint renders an HTML template and a stylesheet template from `templates/poster/`.
It may read only files inside the templates folder and the organisation's own folder
(see `generator.fetcher`), and any problem it logs fails the build.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from generator.model import Framework
from generator.org.branding import POSTER_SIZES_MM, Branding, LevelColours
from generator.renderers.base import RenderContext
from generator.templating import TEMPLATES_DIR, render_template

PAGE_SIZES_MM = POSTER_SIZES_MM
DESIGN_SIZE = "A2"  # the stylesheet is drawn at this size and scaled to the others
HTML_TEMPLATE = "poster/poster.html.j2"
CSS_TEMPLATE = "poster/poster.css.j2"
PREVIEW_WIDTH_PX = 1600
# WeasyPrint warns when it subsets fonts with fontTools because HarfBuzz's subsetter is
# missing: slower, but the output is still right, so that warning alone is no failure.
_HARMLESS_WARNINGS = ("Using fontTools instead of HarfBuzz-Subset",)


class PosterError(Exception):
    """WeasyPrint refused a resource or reported a problem while rendering the poster."""


class Poster:
    name = "pdf"
    description = "print-ready PDF poster of the whole matrix (A2 landscape by default), with a PNG preview"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        pdf_name = f"{ctx.branding.file_prefix}-poster.pdf"
        env_context = {**ctx.context, "poster": poster_context(ctx)}
        html = render_template(ctx.env, HTML_TEMPLATE, env_context)
        css = render_template(ctx.env, CSS_TEMPLATE, env_context)
        pdf = render_pdf(html, css, ctx.build_time, ctx.asset_roots)
        (out_dir / pdf_name).write_bytes(pdf)
        written = [Path(pdf_name)]
        if shutil.which("pdftoppm"):
            png_name = f"{ctx.branding.file_prefix}-poster.png"
            write_preview(out_dir / pdf_name, out_dir / png_name)
            written.append(Path(png_name))
        return written


def level_colours(framework: Framework, branding: Branding) -> dict[str, LevelColours]:
    """Return the fill and text colour of every level, as the poster paints them."""
    level_ids = tuple(level.id for level in framework.info.levels)
    return {level_id: branding.colours(level_id, level_ids) for level_id in level_ids}


def poster_context(ctx: RenderContext) -> dict:
    """Return the poster's own template values: page, scale, colours, columns, rows, edition."""
    branding, info = ctx.branding, ctx.framework.info
    width, height = PAGE_SIZES_MM[branding.poster_size]
    design_width, design_height = PAGE_SIZES_MM[DESIGN_SIZE]
    columns = [m for category in ctx.context["categories"] for m in category["models"]]
    order = [ctx.context["models"].index(m) for m in columns]
    rows = [{"domain": row["domain"], "cells": [row["cells"][i] for i in order]} for row in ctx.context["matrix"]]
    return {
        "width_mm": width,
        "height_mm": height,
        "scale": round(min(width / design_width, height / design_height), 4),
        "colours": {k: {"fill": c.fill, "text": c.text} for k, c in level_colours(ctx.framework, branding).items()},
        "primary": branding.primary,
        "columns": columns,
        "rows": rows,
        "organisation": branding.organisation,
        "logo_url": _logo_url(branding),
        "font_url": branding.font_file.as_uri() if branding.font_file else None,
        "author": branding.organisation or info.author,
        "built": ctx.build_time.strftime("%Y-%m-%d"),
        "timestamp": ctx.build_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _logo_url(branding: Branding) -> str | None:
    """Return the logo as a URL: the SVG file (vector) when there is one, else the checked raster."""
    logo = branding.logo
    if logo is None:
        return None
    return logo.svg.as_uri() if logo.svg else logo.raster_data_url()


def render_pdf(html: str, css: str, when: datetime, extra_roots: Sequence[Path] = ()) -> bytes:
    """Render HTML and CSS to PDF bytes, reading only allowed files; fail on any refusal or logged problem."""
    # WeasyPrint costs most of a second to import: only builds that make a poster pay it.
    from generator.renderers.poster.weasyprint_import import import_weasyprint

    import_weasyprint()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    from generator.renderers.poster.fetcher import ContainedFetcher

    fetcher = ContainedFetcher(extra_roots)
    base_url = TEMPLATES_DIR.as_uri() + "/"
    with _source_date_epoch(when), _logged_problems() as problems:
        try:
            fonts = FontConfiguration()
            stylesheet = CSS(string=css, base_url=base_url, url_fetcher=fetcher, font_config=fonts)
            document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            pdf = document.write_pdf(stylesheets=[stylesheet], font_config=fonts, pdf_identifier=True)
        except FatalURLFetchingError as exc:  # a BaseException, raised when a fetch fails
            problems.append(str(exc.__cause__ or exc))
    # Refusals come first: WeasyPrint logs some of them (in SVG images) without the URL.
    failures = list(dict.fromkeys([*fetcher.refused, *problems]))
    if failures:
        raise PosterError("; ".join(failures))
    return pdf


def write_preview(pdf: Path, png: Path) -> None:
    """Rasterise the first page of `pdf` to a PNG about PREVIEW_WIDTH_PX wide."""
    with tempfile.TemporaryDirectory() as scratch:
        stem = Path(scratch) / "preview"
        command = ["pdftoppm", "-png", "-singlefile", "-scale-to-x", str(PREVIEW_WIDTH_PX), "-scale-to-y", "-1"]
        subprocess.run([*command, str(pdf), str(stem)], check=True, capture_output=True)
        shutil.move(stem.with_suffix(".png"), png)


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

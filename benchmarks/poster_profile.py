"""Profile the poster: WeasyPrint's layout calls, render and preview time (medians of warm runs).

Run from the project root: `python benchmarks/poster_profile.py [SIZE] [RUNS]`.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from generator.edition import Edition
from generator.org.branding import Branding
from generator.pipeline import render_context
from generator.renderers.poster import pdf as poster
from generator.source.load import load_framework
from generator.templating import render_template

LAYOUT_FUNCTIONS = ("table_layout", "flex_layout")


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(size: str = "A2", runs: int = 5) -> None:
    framework = load_framework()
    branding = Branding(poster_size=size)
    ctx = render_context(Edition(framework, branding))
    values = {**ctx.context, "poster": poster.poster_context(ctx)}
    html = render_template(ctx.env, poster.HTML_TEMPLATE, values)
    css = render_template(ctx.env, poster.CSS_TEMPLATE, values)
    pdf = poster.render_pdf(html, css, ctx.build_time)  # warm up: imports, fonts

    profile = cProfile.Profile()
    profile.runcall(poster.render_pdf, html, css, ctx.build_time)
    calls = dict.fromkeys(LAYOUT_FUNCTIONS, 0)
    for (file, _, name), (_, total_calls, *_) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        if name in calls and "weasyprint/layout" in file:  # not the CSS property of the same name
            calls[name] += total_calls
    render = median_seconds(lambda: poster.render_pdf(html, css, ctx.build_time), runs)
    with tempfile.TemporaryDirectory() as scratch:
        pdf_path, png_path = Path(scratch) / "poster.pdf", Path(scratch) / "poster.png"
        pdf_path.write_bytes(pdf)
        preview = median_seconds(lambda: poster.write_preview(pdf_path, png_path), runs)
        png_bytes = png_path.stat().st_size
    print(f"{size}: layout calls {calls}; render_pdf {render:.3f} s; preview {preview:.3f} s (medians of {runs})")
    print(f"{size}: PDF {len(pdf)} bytes, PNG {png_bytes} bytes")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0] if args else "A2", int(args[1]) if len(args) > 1 else 5)

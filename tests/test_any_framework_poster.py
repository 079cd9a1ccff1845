"""The poster of the test-only per-party framework: one tagged page, each cell a line per party with its level,
the framework's own levels in the legend, its axes, parties, principles and source; the fallback level colours."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from generator.edition import make_edition
from generator.org.branding import Branding
from generator.pipeline import build
from tests.test_any_framework import CRITICAL, EXPECTED, PARTY_NAMES
from tests.test_poster import contrast, hex_rgb
from tests.test_poster_reading import find, tagged_text


@pytest.fixture(scope="module")
def poster(tmp_path_factory, tri_framework) -> Path:
    out = tmp_path_factory.mktemp("tri-poster")
    build(make_edition(tri_framework, only=["pdf"]), out)
    return next(out.glob("*-poster.pdf"))


@pytest.fixture(scope="module")
def read(poster) -> dict:
    with pdfplumber.open(poster) as pdf:
        page = pdf.pages[0]
        chars, tree = page.chars, page.structure_tree
    # The text in reading order, as the tag tree gives it (a screen reader's order, not the page's columns).
    return {
        "pages": len(pdf.pages),
        "chars": chars,
        "tree": tree,
        "text": " ".join(tagged_text(r, chars) for r in tree),
    }


def test_one_page_whose_table_reads_every_party_value_cell_by_cell(read, tri_framework):
    fw = tri_framework
    assert read["pages"] == 1
    (table,) = [t for root in read["tree"] for t in find(root, "Table")]
    rows = [row for body in find(table, "TBody") for row in find(body, "TR") if len(row["children"]) > 1]
    found = {}
    for domain, row in zip(fw.domains, rows, strict=True):
        assert tagged_text(row["children"][0], read["chars"]) == f"{domain.number} {domain.name}" + (
            " ★" if domain.ai_specific else ""
        )
        for dm, td in zip(fw.models, row["children"][1:], strict=True):
            found[(domain.id, dm.id)] = tagged_text(td, read["chars"])
    marker = fw.info.critical_marker
    expected = {
        key: " ".join(f"{PARTY_NAMES[p]}: {label}" for p, label in values.items())
        + (f" {marker}" if key in CRITICAL else "")
        for key, values in EXPECTED.items()
    }
    assert found == expected  # all 18 party values, the critical marks on the two critical cells


def test_the_legend_axes_parties_principles_and_source(read, tri_framework):
    info, text = tri_framework.info, " ".join(read["text"].split())
    legend = [tagged_text(li, read["chars"]) for root in read["tree"] for li in find(root, "LI")]
    for level in info.levels:  # the framework's own levels, each with its definition, in legend order
        assert f"{level.label} {level.definition}" in legend
    assert "Operating model →" in text and re.search(r"\bLayer\b", text)
    assert "in each of 2 operating models, across 3 layers" in text  # no qualifier: the axis has none
    assert "Established layers (1–2)" in text and "AI-specific layers (3)" in text
    assert "★ AI-specific layer : the one layer that exists because of AI systems." in legend
    # the per-party sample is a stripe per party, with no text of its own
    assert "A level per party : each cell gives, one line each, the level of Tenant, Host and Vendor." in legend
    assert "the level of Tenant, Host and Vendor." in text
    assert all(name in text for name in PARTY_NAMES.values())
    assert all(p.name in text and p.text in text for p in info.principles)
    assert f"by {info.author}, {info.source_url} · {info.copyright}, {info.licence} licence." in text
    assert "Security domain" not in text and "Deployment model" not in text


def test_four_levels_of_their_own_get_four_distinct_colours_that_meet_wcag_aa(tri_framework):
    colours = Branding().level_colours(tri_framework.info.level_ids)
    assert list(colours) == ["leads", "assists", "audits", "uninvolved"]
    assert len({c.fill for c in colours.values()}) == 4
    assert all(contrast(hex_rgb(c.text), hex_rgb(c.fill)) >= 4.5 for c in colours.values())

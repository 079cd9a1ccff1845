"""The explorer of the test-only per-party framework: its data holds every party's level of every cell, its
script and texts speak of the framework's axes and audience, and its CSV export is the published long table."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.edition import make_edition
from generator.pipeline import build
from tests.test_any_framework import CRITICAL, EXPECTED, PARTY_NAMES
from tests.test_explorer import parts


@pytest.fixture(scope="module")
def tri_explorer(tmp_path_factory, tri_framework) -> Path:
    out = tmp_path_factory.mktemp("tri-explorer")
    build(make_edition(tri_framework, only=["explorer", "csv"]), out)
    return next(out.glob("*-explorer.html"))


@pytest.fixture(scope="module")
def page(tri_explorer) -> dict:
    return parts(tri_explorer.read_text(encoding="utf-8"))


def test_the_data_holds_every_party_value(page, tri_framework):
    data = page["data"]
    col = {name: i for i, name in enumerate(data["columns"])}
    found: dict = {}
    critical = set()
    for row in data["rows"]:
        key = (row[col["domain_id"]], row[col["model_id"]])
        found.setdefault(key, {})[row[col["party_id"]]] = row[col["level"]]
        assert data["parties"][row[col["party_id"]]] == row[col["party"]]
        if row[col["critical_focus"]] == "Yes":
            critical.add(key)
    assert found == EXPECTED and len(data["rows"]) == 18 and critical == CRITICAL
    assert data["parties"] == PARTY_NAMES and data["value_parties"] == ["tenant", "host", "vendor"]
    assert data["audience"] == "tenant" and data["marker"] == "!"
    carried = {v["id"] for v in data["levels"] if v["customer"]}  # the levels the audience carries
    assert carried == {"leads", "assists"}


def test_the_script_and_texts_use_the_axes_and_the_audience(page, tri_explorer):
    html, script = tri_explorer.read_text(encoding="utf-8"), page["script"]
    for words in ('"Operating models"', '"Layer"', '" layers, "', '" operating models."', '"Operating models we use"'):
        assert words in script, words
    assert "Security domain" not in script and "Deployment model" not in script and "deployment model" not in script
    assert "Who owns each of the 3 layers in each of the 2 operating models." in html
    assert "every cell where the tenant carries the work, as Leads or Assists, grouped by layer" in html
    assert "{%" not in script and "{{" not in script

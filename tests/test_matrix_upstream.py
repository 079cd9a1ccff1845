"""The data's matrix equals the upstream tables, cell for cell and marker for marker."""

from __future__ import annotations

import pytest

from generator.source.load import load_framework
from tests.upstream import upstream_matrix, upstream_starred


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_matrix_equals_upstream_table(version):
    fw = load_framework(version=version)
    columns, table = upstream_matrix(version)
    assert [m.short_name for m in fw.models] == columns
    assert [d.label for d in fw.domains] == list(table)
    checked = 0
    for domain in fw.domains:
        for model, upstream_cell in zip(fw.models, table[domain.label], strict=True):
            cell = fw.cell(domain.id, model.id)
            written = fw.level(cell.level_id).label + ("*" if cell.critical else "")
            assert written == upstream_cell, f"{version} {domain.label} x {model.short_name}"
            checked += 1
    assert checked == 128


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_ai_specific_domains_are_the_starred_rows(version):
    fw = load_framework(version=version)
    assert {d.label for d in fw.domains if d.ai_specific} == upstream_starred(version)
    assert len(upstream_starred(version)) == 4


def test_versions_differ_in_35_cells():
    old, new = load_framework(version="1.0.0"), load_framework(version="1.1.0")
    changed = [c.id for c in new.cells if old.cell(c.domain_id, c.model_id) != c]
    assert len(changed) == 35


def test_critical_focus_areas_match_upstream_list(framework):
    critical = {
        (framework.model(c.model_id).short_name, framework.domain(c.domain_id).name)
        for c in framework.cells
        if c.critical
    }
    assert critical == {
        ("Agentic AI", "Agent Governance"),
        ("AI Coding", "Code Generation Security"),
        ("MCP Systems", "Context Pollution Protection"),
        ("MCP Systems", "Multi-System Integration Security"),
        ("Embedded AI", "Multi-System Integration Security"),
    }


def test_model_is_frozen(framework):
    with pytest.raises(AttributeError):
        framework.models[0].name = "x"
    with pytest.raises(TypeError):
        framework.domains[0].examples["saas-ai"] = "x"

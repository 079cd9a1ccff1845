"""Facts the model defines once: cell labels with the data's critical marker, the RACI roles, lookups."""

from __future__ import annotations

from dataclasses import replace

import docx
import openpyxl
import pytest

from generator.edition import Edition
from generator.model import accountable_roles
from generator.pipeline import build


def test_cell_label_carries_the_data_marker(framework):
    critical = next(c for c in framework.cells if c.critical)
    plain = next(c for c in framework.cells if not c.critical)
    level = framework.level(critical.level_id)
    marker = framework.info.critical_marker
    assert framework.cell_label(critical) == f"{level.label}{marker}"
    assert framework.cell_label(critical, gap=" ") == f"{level.label} {marker}"
    assert framework.cell_label(critical, short=True) == f"{level.short}{marker}"
    assert framework.cell_label(plain, gap=" ") == framework.level(plain.level_id).label


def test_raci_roles_and_the_one_accountable(framework):
    assert accountable_roles([("a", "A"), ("b", "R"), ("c", "A")]) == ["a", "c"]
    for row in framework.raci:
        assert accountable_roles(row.letters.items()) == [row.accountable]
        assert row.responsible == tuple(r for r, x in row.letters.items() if x == "R")


def test_lookups_find_every_record_by_id(framework):
    assert [framework.model(m.id) for m in framework.models] == list(framework.models)
    assert [framework.domain(d.id) for d in framework.domains] == list(framework.domains)
    assert [framework.cell(c.domain_id, c.model_id) for c in framework.cells] == list(framework.cells)
    scoped = framework.restricted_to(("saas-ai",))
    with pytest.raises(KeyError):
        scoped.model("paas-ai")


def test_every_format_marks_critical_cells_with_the_data_marker(framework, tmp_path):
    info = replace(framework.info, critical_marker="†")
    build(Edition(replace(framework, info=info), only=("markdown", "xlsx", "docx")), tmp_path)
    critical = [c for c in framework.cells if c.critical]
    labels = {framework.level(c.level_id).label for c in critical}
    matrix = (tmp_path / "docs" / "responsibility-matrix.md").read_text(encoding="utf-8")
    obligations = (tmp_path / "docs" / "obligations.md").read_text(encoding="utf-8")
    ws = openpyxl.load_workbook(tmp_path / "ai-security-responsibility-raci.xlsx")["Matrix"]
    sheet = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    document = docx.Document(tmp_path / "ai-security-responsibility-policy.docx")
    word = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for label in labels:
        assert f"{label} †" in matrix and f"{label} *" not in matrix
        assert f"{label}†" in word and f"{label}*" not in word
    for cell in critical:
        if "customer" in framework.level(cell.level_id).owners:
            assert f"{framework.level(cell.level_id).label} †" in obligations
    # The workbook's Matrix is a lookup table: plain level labels, the critical mark by formatting only.
    assert not any(text.endswith(("†", "*")) for text in sheet)

"""Nothing hard-codes 8 models, 16 domains or the four levels: a ninth model renders from data alone."""

from __future__ import annotations

import openpyxl
import pdfplumber

from generator.edition import Edition
from generator.pipeline import build
from generator.source.load import load_framework

V = "frameworks/ai-security-shared-responsibility/1.1.0"
NINTH = """
  - id: robotics-ai
    number: 9
    name: Embodied Robotics AI
    short_name: Robotics AI
    category: self-managed-specialised
    description: AI that senses and acts in the physical world.
    examples:
      - items: [Warehouse robots]
    risk:
      - level: High
        rationale: Physical actions cannot be undone.
    key_characteristics: [Physical actuation]
    security_considerations: [Safety interlocks]
"""


def add_ninth_model(data) -> None:
    models = data / V / "models.yaml"
    models.write_text(models.read_text(encoding="utf-8") + NINTH, encoding="utf-8")
    matrix = data / V / "matrix.yaml"
    lines = []
    for line in matrix.read_text(encoding="utf-8").splitlines():
        if line.startswith("columns:"):
            line = line.replace("mcp-systems]", "mcp-systems, robotics-ai]")
        elif line.startswith("  ") and line.rstrip().endswith("]"):
            line = line.rstrip()[:-1] + ", Customer*]"
        lines.append(line)
    matrix.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_ninth_model_flows_into_every_format(data_copy, tmp_path):
    add_ninth_model(data_copy)
    fw = load_framework(data_copy)
    assert len(fw.models) == 9 and len(fw.cells) == 144
    build(Edition(fw, only=("markdown", "xlsx", "pdf", "docx")), tmp_path)
    matrix_page = (tmp_path / "docs" / "responsibility-matrix.md").read_text(encoding="utf-8")
    assert "[Robotics AI](models/robotics-ai.md)" in matrix_page
    assert (tmp_path / "docs" / "models" / "robotics-ai.md").exists()
    ws = openpyxl.load_workbook(tmp_path / "ai-security-responsibility-raci.xlsx")["Matrix"]
    assert [c.value for c in ws[1]][-11:-8] == ["Robotics AI", "critical_focus", "SaaS AI level_id"]
    assert [c.value for c in ws[1]][-1] == "Robotics AI level_id"
    with pdfplumber.open(tmp_path / "ai-security-responsibility-poster.pdf") as pdf:
        assert len(pdf.pages) == 1
        assert "Robotics AI" in pdf.pages[0].extract_text()

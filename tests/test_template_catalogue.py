"""`templates` (org/template_catalogue.py): every template, its variables and what a profile overrides."""

from __future__ import annotations

from pathlib import Path

from generator.cli import main

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"


def test_templates_command_lists_templates_variables_and_overrides(capsys):
    assert main(["templates", "--org", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "markdown/index.md.j2 (overridden)" in out
    assert "markdown/model.md.j2\n" in out
    assert "word/policy-pack.docx" in out and "poster/poster.html.j2" in out
    assert "variables: " in out

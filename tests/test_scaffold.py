"""`init-org` (org/scaffold.py): a scaffolded profile builds."""

from __future__ import annotations

from generator.cli import main
from generator.org.profile import load_profile


def test_init_org_then_build(tmp_path, capsys):
    folder = tmp_path / "acme"
    assert main(["init-org", str(folder), "--name", "Smith & Sons <Ltd>"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["init-org", str(folder), "--name", "Again"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["build", "--org", str(folder), "--out", str(tmp_path / "out"), "--only", "markdown"]) == 0
    index = (tmp_path / "out" / "smith-sons-ltd" / "docs" / "index.md").read_text(encoding="utf-8")
    assert "Smith & Sons \\<Ltd>" in index


def test_scaffold_explains_document_control_and_its_issue_date_loads(tmp_path, framework):
    folder = tmp_path / "acme"
    assert main(["init-org", str(folder), "--name", "Acme Ltd"]) == 0
    org_yaml = folder / "org.yaml"
    text = org_yaml.read_text(encoding="utf-8")
    for key in ("owner:", "approver:", 'version: "1.0"', 'status: "Draft for approval"', "review_cycle_months: 12"):
        assert f"\n  {key}" in text
    assert "\n  # issue_date: " in text
    org_yaml.write_text(text.replace("  # issue_date: ", "  issue_date: "), encoding="utf-8")
    control = load_profile(folder, framework).branding.document_control
    assert control.issue_date is not None and control.version == "1.0"

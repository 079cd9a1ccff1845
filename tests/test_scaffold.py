"""`init-org` (org/scaffold.py): a scaffolded profile builds."""

from __future__ import annotations

from generator.cli import main


def test_init_org_then_build(tmp_path, capsys):
    folder = tmp_path / "acme"
    assert main(["init-org", str(folder), "--name", "Smith & Sons <Ltd>"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["init-org", str(folder), "--name", "Again"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["build", "--org", str(folder), "--out", str(tmp_path / "out"), "--only", "markdown"]) == 0
    index = (tmp_path / "out" / "smith-sons-ltd" / "docs" / "index.md").read_text(encoding="utf-8")
    assert "Smith & Sons \\<Ltd>" in index

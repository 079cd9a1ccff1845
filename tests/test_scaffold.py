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


def test_the_scaffold_lists_the_domain_ids_where_raci_overrides_is_explained(tmp_path, framework):
    folder = tmp_path / "acme"
    assert main(["init-org", str(folder), "--name", "Acme"]) == 0
    lines = (folder / "org.yaml").read_text(encoding="utf-8").splitlines()
    first = lines.index("# Domain ids:") + 1
    listed = [line.split(maxsplit=2)[1:] for line in lines[first : first + len(framework.domains)]]
    assert listed == [[d.id, d.name] for d in framework.domains]
    assert lines[first - 2].startswith("# Change RACI letters") and lines[first + len(framework.domains)] == (
        "# raci_overrides:"
    )
    # An id copied from the list works as an override.
    text = (folder / "org.yaml").read_text(encoding="utf-8")
    raci = framework.raci[-1]
    role = next(role for role, letter in raci.letters.items() if letter == "A")
    override = f"raci_overrides: {{{raci.domain_id}: {{{role}: A}}}}"
    (folder / "org.yaml").write_text(text.replace("raci_overrides: {}", override), encoding="utf-8")
    assert main(["build", "--org", str(folder), "--out", str(tmp_path / "out"), "--only", "json"]) == 0


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

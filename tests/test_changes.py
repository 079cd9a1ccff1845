"""The changelog between framework versions, checked against the two upstream tables."""

from __future__ import annotations

from generator.changes import compare, to_markdown
from generator.cli import main
from generator.source.load import load_framework
from tests.upstream import upstream_matrix


def test_changes_from_1_0_0_to_1_1_0_match_the_upstream_tables():
    old, new = load_framework(version="1.0.0"), load_framework(version="1.1.0")
    changes = compare(old, new)
    columns, before = upstream_matrix("1.0.0")
    _, after = upstream_matrix("1.1.0")
    expected = {
        (label, columns[i], before[label][i], after[label][i])
        for label in after
        for i in range(len(columns))
        if before[label][i] != after[label][i]
    }
    found = {
        (new.domain(c.domain_id).label, new.model(c.model_id).short_name, c.before, c.after) for c in changes.cells
    }
    assert found == expected
    assert len(found) == 35
    assert ("model-security", 4, 3) in changes.renumbered
    assert ("user-access-control", 3, 4) in changes.renumbered
    assert not [i for i in changes.items if i.change in ("added", "removed")]


def test_changelog_markdown_lists_every_changed_cell():
    old, new = load_framework(version="1.0.0"), load_framework(version="1.1.0")
    text = to_markdown(compare(old, new), new)
    assert text.startswith("# Changes from framework v1.0.0 to v1.1.0")
    assert "## Responsibility changes (35 cells)" in text
    assert "| Application Security | SaaS AI | Shared | Provider |" in text


def test_same_version_has_no_changes(framework):
    changes = compare(framework, framework)
    assert changes.cells == () and changes.renamed == ()
    assert "No cell changed." in to_markdown(changes, framework)


def test_changes_command(capsys):
    assert main(["changes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Changes from framework v1.0.0 to v1.1.0") and "(35 cells)" in out

"""A profile accepted at load never fails at render: every constraint an output or client imposes is checked first.

Each case is refused by `build --org` with one line naming org.yaml, the line and the key, exit 1,
and nothing is written; the cases next to them that are fine build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from generator.cli import main
from tests.hostile import copy_example, snapshot

FONT = Path(__file__).parent.parent / "templates" / "fonts" / "DejaVuSans.ttf"

REFUSED = {
    "role name equal to a fixed heading": (
        "roles: {rename: {security-leadership: Check}}",
        "roles.rename.security-leadership: role name 'Check' is the same as the RACI sheet's fixed column 'check'",
    ),
    "role name equal to another ignoring case": (
        "roles: {rename: {security-leadership: data engineering, ai-ml-engineering: Data Engineering}}",
        "is the same as the name of role security-leadership (ignoring case)",
    ),
    "added role named like a default one": (
        "roles: {add: [{id: review, name: LEGAL & COMPLIANCE, description: Reviews.}]}",
        "role name 'LEGAL & COMPLIANCE' is the same as the name of role",
    ),
    "spaces around the name": ('name: " Acme Ltd "', "name: ' Acme Ltd ' starts or ends with a space"),
    "space after a role name": ('roles: {rename: {security-leadership: "CISO "}}', "starts or ends with a space"),
    "reserved prefix con": ("file_prefix: con", "file_prefix: 'con' starts with a name Windows reserves"),
    "reserved prefix nul": ("file_prefix: nul-ltd", "file_prefix: 'nul-ltd' starts with a name Windows reserves"),
    "reserved name lpt1": ("name: LPT1", "name: 'lpt1' starts with a name Windows reserves"),
    "long prefix": ("file_prefix: " + "a" * 65, "is 65 characters long; use at most 64"),
    "right-to-left mark": (
        'short_name: "Acme\\u200f"',
        "short_name: contains the control or invisible character U+200F",
    ),
    "zero-width space": ('short_name: "Ac\\u200bme"', "contains the control or invisible character U+200B"),
    "word joiner": ('document_control: {owner: "Ac\\u2060me"}', "contains the control or invisible character U+2060"),
}


def _profile(tmp_path: Path, line: str) -> Path:
    """A profile folder whose org.yaml is a name and `line` (or only `line` when it gives the name)."""
    org = copy_example(tmp_path)
    name = "" if line.startswith("name:") else "name: Acme Ltd\n"
    (org / "org.yaml").write_text(f"{name}{line}\n", encoding="utf-8")
    return org


def _refused(tmp_path: Path, org: Path, capsys, expected: str) -> None:
    out = tmp_path / "out"
    (out / "keep").mkdir(parents=True)
    (out / "keep" / "file.txt").write_text("earlier")
    before = snapshot(tmp_path)
    assert main(["build", "--org", str(org), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(problems) == 1, err
    assert "org.yaml:" in problems[0] and expected in problems[0], err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", REFUSED)
def test_a_value_an_output_cannot_carry_is_refused_at_load(tmp_path, capsys, case):
    line, expected = REFUSED[case]
    _refused(tmp_path, _profile(tmp_path, line), capsys, expected)


def _font_named(path: Path, family: str) -> None:
    with TTFont(FONT) as font:
        for record in font["name"].names:
            if record.nameID in (1, 4, 16):
                record.string = family
        font.save(path)


@pytest.mark.parametrize("family", ['Evil"Sans', "Evil</style>", "Evil\x07Sans", "x" * 80])
def test_a_font_whose_family_name_outputs_cannot_carry_is_refused(tmp_path, capsys, family):
    org = _profile(tmp_path, "font: {file: own.ttf}")
    _font_named(org / "own.ttf", family)
    _refused(tmp_path, org, capsys, "font.file: the font's family name")


def test_a_font_with_a_plain_family_name_builds(tmp_path):
    org = _profile(tmp_path, "font: {file: own.ttf}")
    _font_named(org / "own.ttf", "Acme Sans")
    assert main(["build", "--org", str(org), "--out", str(tmp_path / "out"), "--only", "docx"]) == 0


def test_a_long_name_without_a_prefix_gets_a_short_file_prefix(tmp_path):
    org = _profile(tmp_path, "name: " + "Acme Holdings " * 18)
    out = tmp_path / "out"
    assert main(["build", "--org", str(org), "--out", str(out), "--only", "docx,csv"]) == 0
    (edition,) = [p for p in out.iterdir() if p.is_dir()]
    assert len(edition.name) <= 64 and edition.name.startswith("acme-holdings-acme") and not edition.name.endswith("-")
    assert all(len(p.name) < 100 for p in edition.iterdir())


def test_a_tab_before_a_comment_builds_and_imports(tmp_path, capsys):
    """YAML allows a tab before a comment; the build and import-raci both read such an org.yaml."""
    import openpyxl

    org = copy_example(tmp_path)
    text = (
        (org / "org.yaml").read_text(encoding="utf-8").replace("short_name: Northwind", "short_name: Northwind\t# tab")
    )
    (org / "org.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--org", str(org), "--out", str(out), "--only", "xlsx"]) == 0
    workbook = out / "northwind-analytics" / "northwind-analytics-raci.xlsx"
    wb = openpyxl.load_workbook(workbook)
    ws = wb["RACI"]
    row = next(c.row for c in ws["B"] if c.value == "model-security")
    column = next(c.column for c in ws[1] if c.value == "Data Science & Engineering")
    ws.cell(row, column).value = "C"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert main(["import-raci", str(edited), "--org", str(org)]) == 0, capsys.readouterr().err
    after = (org / "org.yaml").read_text(encoding="utf-8")
    assert "short_name: Northwind\t# tab" in after and "ai-ml-engineering: C" in after
    shutil.rmtree(out)


@pytest.mark.parametrize("family", ['"DejaVu Serif", serif', "monospace"])
def test_a_poster_stylesheet_naming_a_machine_font_is_refused(tmp_path, capsys, family):
    """Only fonts an @font-face rule loads from the templates or the profile: the bytes never depend on the machine."""
    org = copy_example(tmp_path)
    css = Path(__file__).parent.parent / "templates" / "poster" / "poster.css.j2"
    override = org / "templates" / "poster" / "poster.css.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(css.read_text(encoding="utf-8") + f"\nh1 {{ font-family: {family}; }}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--org", str(org), "--out", str(out), "--only", "pdf"]) == 1
    err = capsys.readouterr().err
    assert "installed on this machine; name only families that an @font-face rule loads" in err
    assert not (out / "northwind-analytics" / "northwind-analytics-poster.pdf").exists()

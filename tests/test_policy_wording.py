"""The policy's wording from templates/word/policy.xml.j2: a profile overrides one block, bad overrides fail clearly."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import docx
import pytest

from generator.cli import main
from generator.edition import Edition
from generator.org.branding import Branding
from generator.pipeline import build
from generator.renderers.policy_pack.wording import Heading, Paragraph, Table, WordingError, parse
from generator.search_path import SearchPath

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"
POLICY = "word/policy.xml.j2"
DEFAULT_PURPOSE = "This policy sets out how Acme secures the artificial intelligence (AI) systems it adopts"
OUR_PURPOSE = "Acme uses AI only where a named owner answers for it."


def extending(*blocks: str) -> str:
    return '{% extends "!default/word/policy.xml.j2" %}\n' + "\n".join(blocks) + "\n"


def build_with(tmp_path: Path, name: str, override: str | None, branding: Branding | None = None) -> docx.Document:
    overrides = ()
    if override is not None:
        folder = tmp_path / f"{name}-templates"
        (folder / "word").mkdir(parents=True)
        (folder / POLICY).write_text(override, encoding="utf-8")
        overrides = (folder,)
    branding = branding or Branding(organisation="Acme")
    edition = Edition(framework_(), branding=branding, only=("docx",), search_path=SearchPath(overrides=overrides))
    build(edition, tmp_path / name)
    return docx.Document(tmp_path / name / f"{branding.file_prefix}-policy.docx")


def framework_():
    from generator.source.load import load_framework

    return load_framework()


def body(doc) -> list[tuple[str, str]]:
    """Every paragraph of the body (style and text) and every table cell, in order."""
    items = [(p.style.name, p.text) for p in doc.paragraphs]
    items += [("cell", cell.text) for table in doc.tables for row in table.rows for cell in row.cells]
    return items


def test_an_override_of_one_block_changes_that_sentence_and_nothing_else(tmp_path):
    plain = body(build_with(tmp_path, "plain", None))
    block = f"{{% block purpose %}}<h2>Purpose</h2><p>{OUR_PURPOSE}</p>{{% endblock %}}"
    over = body(build_with(tmp_path, "over", extending(block)))
    changed = [(a, b) for a, b in zip(plain, over, strict=False) if a != b]
    purpose = [text for _, text in plain if text.startswith(DEFAULT_PURPOSE)]
    assert len(purpose) == 1
    # The purpose had three paragraphs; now it has one: the first changed, the next two are gone.
    assert changed[0] == (("Normal", purpose[0]), ("Normal", OUR_PURPOSE))
    start = plain.index(("Normal", purpose[0]))
    assert over == [*plain[:start], ("Normal", OUR_PURPOSE), *plain[start + 3 :]]


def test_a_scoped_block_in_a_loop_sees_the_statement_and_super_keeps_the_default(tmp_path):
    block = (
        "{% block critical_focus %}<p><critical>Priority: </critical>{{ focus.model_name }} first.</p>"
        "{{ super() }}{% endblock %}"
    )
    doc = build_with(tmp_path, "over", extending(block))
    texts = [p.text for p in doc.paragraphs]
    ours = [t for t in texts if t.startswith("Priority: ")]
    defaults = [t for t in texts if t.startswith("Critical focus: ")]
    assert ours and len(ours) == len(defaults)
    assert "Priority: MCP Systems first." in ours
    lead = next(p for p in doc.paragraphs if p.text.startswith("Priority: ")).runs[0]
    assert lead.style.name == "Intense Emphasis" and lead.text == "Priority: "


def test_a_name_stays_text_and_never_becomes_markup(tmp_path):
    name = "Evil <b>Corp</b> & <table name='raci'/> Co"
    doc = build_with(tmp_path, "plain", None, Branding(organisation=name))
    purpose = next(p for p in doc.paragraphs if p.text.startswith("This policy sets out how"))
    assert f"how {name} secures" in purpose.text
    assert [r.style.name for r in purpose.runs] == ["Default Paragraph Font"]


def test_the_default_wording_has_the_structure_word_needs(tmp_path):
    doc = build_with(tmp_path, "plain", None)
    styles = [p.style.name for p in doc.paragraphs]
    assert styles.count("Heading 1") >= 10 and "Heading 3" in styles and "List Bullet" in styles
    assert "Caption" in styles
    contents = [p.text for p in doc.paragraphs if p.style.name == "toc 1"]
    assert contents[:3] == ["Document control", "Introduction", "Roles and responsibilities"]


def test_parse_reads_headings_runs_bullets_and_tables():
    text = (
        "<h2> A\n  heading </h2>\n<p> <b>Lead: </b>\n text  <critical>x</critical>. </p>"
        '<li>item</li><caption>Cap</caption><table name="raci"><th> Security\n domain </th></table>'
        '<table name="annex" model="saas-ai"><th>D</th><th>L</th><th>Duty</th><th>S</th><th>A</th>'
        '<duty name="operate">Run</duty><duty name="share">Half</duty><duty name="assure">Check</duty>'
        '<duty name="not-applicable">Note</duty></table>'
        '<table name="glossary"><th>Term</th><th>Meaning</th><tr><td> Term </td><td>Its\nmeaning</td></tr></table>'
    )
    assert parse(text, "t", {"saas-ai"}) == [
        Heading("A heading", 2),
        Paragraph((("Lead: ", "Strong"), "text ", ("x", "Intense Emphasis"), "."), None),
        Paragraph(("item",), "List Bullet"),
        Paragraph(("Cap",), "Caption"),
        Table("raci", ("Security domain",)),
        Table(
            "annex",
            ("D", "L", "Duty", "S", "A"),
            "saas-ai",
            (("operate", "Run"), ("share", "Half"), ("assure", "Check"), ("not-applicable", "Note")),
        ),
        Table("glossary", ("Term", "Meaning"), rows=(("Term", "Its meaning"),)),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>x</p>\n<p>open\n<p>y</p>", "line 2 of its output ('<p>open') is not well-formed"),
        ("<p>a</p>\n<h7>x</h7>", "line 2 of its output: <h7> is not policy markup; use <h1>"),
        ("loose text", "'loose text' before the first element is outside any element; put it in <p>"),
        ("<p><i>x</i></p>", "<i> cannot be inside <p>; use <b> or <critical>"),
        ('<table name="nope"/>', "<table name='nope'> is unknown; the tables are document-control"),
        ('<table name="annex" model="gone"/>', "<table name='annex'> needs model= one of this edition's models"),
        ('<table name="raci"><th>a</th><tr><td>a</td><td>b</td></tr></table>', "holds 1 <th> header cell, not <tr>"),
        ('<table name="raci"/>', "line 1 of its output: <table name='raci'> holds 1 <th> header cell"),
        (
            '<table name="responsibility-levels"><th>a</th><th>b</th><th>c</th><duty name="operate">x</duty></table>',
            "holds 3 <th> header cells and a <duty name=...> for each of operate, share, assure, not-applicable",
        ),
        ("<p>&nbsp;</p>", "not well-formed"),
    ],
)
def test_bad_markup_names_the_template_and_line(text, expected):
    with pytest.raises(WordingError) as info:
        parse(text, "over/word/policy.xml.j2", {"saas-ai"})
    assert str(info.value).startswith("template over/word/policy.xml.j2: ")
    assert expected in str(info.value)


def profile_with(tmp_path: Path, override: str) -> Path:
    profile = tmp_path / "northwind"
    shutil.copytree(EXAMPLE, profile)
    (profile / "templates" / "word").mkdir(parents=True)
    (profile / "templates" / POLICY).write_text(override, encoding="utf-8")
    return profile


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (extending("{% block purpose %}<p>x</p>{% endblok %}"), "policy.xml.j2, line 2: Encountered unknown tag"),
        (
            extending("", "{% block purpos %}<p>x</p>{% endblock %}"),
            "policy.xml.j2, line 3: !default/word/policy.xml.j2 has no block 'purpos'; did you mean 'purpose'?",
        ),
        (extending("{% block purpose %}<p>x{% endblock %}"), "policy.xml.j2: line"),
        (extending("{% block purpose %}<p>{{ policy.nope }}</p>{% endblock %}"), "policy.xml.j2, line 2:"),
    ],
)
def test_a_bad_override_fails_in_one_line_and_writes_nothing(tmp_path, capsys, override, expected):
    profile = profile_with(tmp_path, override)
    out = tmp_path / "out"
    assert main(["build", "--org", str(profile), "--out", str(out), "--only", "docx"]) == 1
    err = capsys.readouterr().err
    problem = [line for line in err.splitlines() if "policy.xml.j2" in line]
    assert len(problem) == 1 and "Traceback" not in err
    assert str(profile / "templates" / POLICY) in problem[0]
    assert expected in problem[0]
    assert not list(out.rglob("*.docx"))


def test_templates_lists_the_blocks_and_marks_the_overridden(tmp_path, capsys):
    profile = profile_with(tmp_path, extending("{% block scope %}<p>Ours.</p>{% endblock %}"))
    assert main(["templates", "--org", str(profile)]) == 0
    out = capsys.readouterr().out
    entry = out[out.index("word/policy.xml.j2 (overridden)") :]
    blocks = next(line for line in entry.splitlines() if line.startswith("  blocks: "))
    assert "purpose, scope (overridden), key_principles" in blocks
    assert "critical_focus" in blocks and "glossary" in blocks


def test_templates_refuses_an_unknown_block(tmp_path, capsys):
    profile = profile_with(tmp_path, extending("{% block nothing_like_it %}<p>x</p>{% endblock %}"))
    assert main(["templates", "--org", str(profile)]) == 1
    err = capsys.readouterr().err
    assert "has no block 'nothing_like_it'" in err and "line 2" in err and len(err.strip().splitlines()) == 1


def test_a_policy_wording_override_leaves_the_other_formats_alone(tmp_path):
    folder = tmp_path / "templates"
    (folder / "word").mkdir(parents=True)
    (folder / POLICY).write_text(extending("{% block scope %}<p>Ours.</p>{% endblock %}"), encoding="utf-8")
    formats = ("markdown", "json", "csv", "xlsx")
    for name, overrides in (("plain", ()), ("over", (folder,))):
        edition = Edition(framework_(), branding=Branding(organisation="Acme"), only=formats)
        build(dataclasses.replace(edition, search_path=SearchPath(overrides=overrides)), tmp_path / name)
    plain = sorted(p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*") if p.is_file())
    assert len(plain) > 10
    for relative in plain:
        if relative.name != "manifest.json":  # its format keys hash the templates
            assert (tmp_path / "plain" / relative).read_bytes() == (tmp_path / "over" / relative).read_bytes()

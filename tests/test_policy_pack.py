"""The Word policy pack, read back with python-docx: structure, statements, tables, properties, bytes."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
import zipfile
from datetime import datetime
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

import docx
import pypdf
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from generator.org.branding import Branding
from generator.pipeline import build, build_time
from generator.renderers.base import RenderContext
from generator.renderers.policy_pack.document import PolicyTemplateError, render_policy
from generator.search_path import SearchPath
from generator.templating import TEMPLATES_DIR, make_environment
from tests.conftest import png_logo

FILE = "ai-security-responsibility-policy.docx"
TEMPLATE = TEMPLATES_DIR / "word" / "policy-pack.docx"
RELEASE = datetime(2025, 9, 26)
LETTERS = "ABCDEFGH"


# --- reading the document back -------------------------------------------------------------


def blocks(doc: Document) -> list[tuple[str, Paragraph | Table]]:
    """Return the body in order as (style name, paragraph) and ("table", table) pairs."""
    names = {s.style_id: s.name for s in doc.styles}
    return [
        ("table", b) if isinstance(b, Table) else (names.get(b._p.style, "Normal"), b) for b in doc.iter_inner_content()
    ]


def section(doc: Document, heading: str, level: int) -> list[tuple[str, Paragraph | Table]]:
    """Return the blocks under the heading of `level` whose text starts with `heading`, up to the next one."""
    body = blocks(doc)
    stops = {f"Heading {n}" for n in range(1, level + 1)}
    start = next(i for i, (style, b) in enumerate(body) if style == f"Heading {level}" and b.text.startswith(heading))
    end = next((i for i in range(start + 1, len(body)) if body[i][0] in stops), len(body))
    return body[start + 1 : end]


def split(part: list, level: int) -> dict[str, list]:
    """Split blocks into sub-sections by headings of `level`, keyed by heading text."""
    result: dict[str, list] = {}
    current = None
    for style, b in part:
        if style == f"Heading {level}":
            current = result.setdefault(b.text, [])
        elif current is not None:
            current.append((style, b))
    return result


def text_of(part: list) -> str:
    return "\n".join(b.text for style, b in part if style != "table")


def first_table(part: list) -> Table:
    return next(b for style, b in part if style == "table")


def rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def all_texts(doc: Document) -> list[str]:
    """Every paragraph's text: body, table cells (nested too), and every header and footer."""
    texts = [Paragraph(p, doc._body).text for p in doc.element.body.iter(qn("w:p"))]
    for s in doc.sections:
        for part in (s.header, s.first_page_header, s.even_page_header, s.footer, s.first_page_footer):
            texts += [Paragraph(p, part).text for p in part._element.iter(qn("w:p"))]
    return texts


def cover(doc: Document) -> list[str]:
    """The texts before the table of contents: paragraphs and the cover table's cells."""
    texts = []
    for style, b in blocks(doc):
        if style == "TOC Heading":
            break
        texts += [c.text for row in b.rows for c in row.cells] if style == "table" else [b.text]
    return texts


@pytest.fixture(scope="module")
def doc(build_dir) -> Document:
    return docx.Document(build_dir / FILE)


def build_docx(framework, out: Path, branding: Branding | None = None) -> Document:
    build(framework, out, only=["docx"], branding=branding, progress=lambda line: None)
    return docx.Document(out / f"{(branding or Branding()).file_prefix}-policy.docx")


# --- structure ----------------------------------------------------------------------------


def test_outline_has_every_section_domain_and_annex(doc, framework):
    h1 = [b.text for style, b in blocks(doc) if style == "Heading 1"]
    annexes = [f"Annex {letter}: {m.name}" for letter, m in zip(LETTERS, framework.models, strict=True)]
    assert h1 == [
        "Document control",
        "Introduction",
        "Roles and responsibilities",
        "Our obligations",
        "Policy statements",
        *annexes,
        "Appendix 1: Full responsibility matrix",
        "Appendix 2: Glossary",
        "Appendix 3: AI-Enabled Products (out of scope)",
    ]
    domains = list(split(section(doc, "Policy statements", 1), 2))
    assert len(domains) == 16
    for heading, d in zip(domains, framework.domains, strict=True):
        assert heading.startswith(f"{d.number}. {d.name}")
        assert heading.endswith("★") == (d.kind == "ai-specific")


def test_cover_shows_title_organisation_versions_date_and_classification(doc):
    texts = cover(doc)
    for expected in ("AI Security Policy", "[Organisation name]", "1.1.0", "1.0", "2025-09-26", "Internal"):
        assert any(expected in t for t in texts), expected


def test_document_control_names_owner_approver_history_and_next_review(doc):
    part = section(doc, "Document control", 1)
    facts = dict(rows(first_table(part))[1:])
    assert facts["Document owner"] == "Chief Information Security Officer"
    assert facts["Approver"] == "Executive Risk Committee"
    assert facts["Issued"] == "2025-09-26"
    assert facts["Next review due"] == "2026-09-26"
    history = rows(first_table(split(part, 2)["Version history"]))
    assert history[0] == ["Version", "Date", "Author", "Changes"]
    assert history[1][:2] == ["1.0", "2025-09-26"]


def test_scope_lists_every_model_and_levels_table_every_level(doc, framework):
    intro = split(section(doc, "Introduction", 1), 2)
    scope = text_of(intro["Scope"])
    for m in framework.models:
        assert f"{m.name}: {m.description}" in scope
    assert [r[0] for r in rows(first_table(intro["Responsibility levels"]))[1:]] == [
        v.label for v in framework.info.levels
    ]
    principles = text_of(intro["Key principles"])
    assert all(p.name in principles for p in framework.info.principles)


def test_raci_table_equals_the_roles_file(doc, framework):
    roles = split(section(doc, "Roles and responsibilities", 1), 2)
    assert [r[0] for r in rows(first_table(roles["Internal roles"]))[1:]] == [r.name for r in framework.roles]
    table = rows(first_table(roles["RACI matrix"]))
    assert table[0] == ["Security domain", *(r.name for r in framework.roles)]
    assert len(table) == 1 + len(framework.raci)
    for row, raci in zip(table[1:], framework.raci, strict=True):
        assert row[0].startswith(f"{framework.domain(raci.domain_id).number}. {framework.domain(raci.domain_id).name}")
        assert row[1:] == [raci.letters[r.id] for r in framework.roles]


def test_each_annex_table_equals_the_models_column_of_the_matrix(doc, framework):
    for letter, m in zip(LETTERS, framework.models, strict=True):
        table = rows(first_table(section(doc, f"Annex {letter}: {m.name}", 1)))
        assert table[0][:2] == ["Security domain", "Level"]
        assert len(table) == 17
        for row, d in zip(table[1:], framework.domains, strict=True):
            cell = framework.cell(d.id, m.id)
            assert row[0].startswith(f"{d.number}. {d.name}")
            assert row[1] == framework.level(cell.level_id).label + ("*" if cell.critical else "")


def test_annex_describes_the_model_its_risk_and_critical_focus(doc, framework):
    for letter, m in zip(LETTERS, framework.models, strict=True):
        text = text_of(section(doc, f"Annex {letter}: {m.name}", 1))
        assert m.description in text
        assert all(risk.rationale in text for risk in m.risk)
        for d in framework.domains:
            if framework.cell(d.id, m.id).critical:
                assert f"{d.number}. {d.name}" in text.split("Critical focus areas")[1]


def test_full_matrix_appendix_has_every_cell(doc, framework):
    table = rows(first_table(section(doc, "Appendix 1", 1)))
    assert table[0][1:] == [m.short_name for m in framework.models]
    for row, d in zip(table[1:], framework.domains, strict=True):
        expected = [
            framework.level(c.level_id).short + ("*" if c.critical else "") for c in framework.cells_for_domain(d.id)
        ]
        assert row[1:] == expected


def test_glossary_and_out_of_scope_appendices(doc, framework):
    terms = [r[0] for r in rows(first_table(section(doc, "Appendix 2", 1)))[1:]]
    assert terms == sorted(terms, key=str.casefold)
    assert {"Provider", "Customer", "Shared", "N/A", "RACI", "Accountable (A)"} <= set(terms)
    oos = text_of(section(doc, "Appendix 3", 1))
    assert all(e.name in oos for e in framework.guidance.out_of_scope.examples)
    assert all(item in oos for item in framework.guidance.out_of_scope.focus)


# --- policy statements -----------------------------------------------------------------------


def statement_groups(doc: Document, d) -> dict[str, list]:
    domains = split(section(doc, "Policy statements", 1), 2)
    heading = next(h for h in domains if h.startswith(f"{d.number}. {d.name}"))
    return split(domains[heading], 3)


def models_named(text: str, framework) -> set[str]:
    """Return the models a statement's lead ("For A, B and C (Level), ...") names."""
    lead = text.split("\n")[0].split(" (")[0]
    return {m.id for m in framework.models if m.short_name in lead}


def test_statements_cover_every_cell_once_grouped_by_level(doc, framework):
    for d in framework.domains:
        groups = statement_groups(doc, d)
        for level in framework.info.levels:
            expected = {c.model_id for c in framework.cells_for_domain(d.id) if c.level_id == level.id}
            matching = [h for h in groups if h.endswith(f"({level.label})")]
            if not expected:
                assert matching == [], (d.id, level.id)
                continue
            assert len(matching) == 1, (d.id, level.id)
            assert models_named(text_of(groups[matching[0]]), framework) == expected, (d.id, level.id)


def test_customer_and_shared_statements_say_what_the_organisation_shall_do(doc, framework):
    customer_duties = framework.info.shared_split["customer"]
    for d in framework.domains:
        groups = statement_groups(doc, d)
        for heading, part in groups.items():
            text = text_of(part)
            bullets = [b.text for style, b in part if style == "List Bullet"]
            if heading.endswith("(Customer)"):
                assert "the organisation owns this domain" in text
                assert "shall implement and operate these controls" in text
                assert set(d.key_controls) <= set(bullets)
            elif heading.endswith("(Shared)"):
                assert "shall carry out its own part" in text
                assert "shall confirm, through contract clauses, independent attestations and periodic review" in text
                assert set(d.organisation_aspects or customer_duties) <= set(bullets)
            elif heading.endswith("(Provider)"):
                assert "shall obtain assurance" in text
            else:
                assert heading.endswith("(N/A)") and "does not normally apply" in text
                assert d.level_notes["not-applicable"] in text


def test_each_domain_names_its_accountable_role(doc, framework):
    roles = {r.id: r.name for r in framework.roles}
    domains = split(section(doc, "Policy statements", 1), 2)
    for (heading, part), raci in zip(domains.items(), framework.raci, strict=True):
        assert heading.startswith(f"{framework.domain(raci.domain_id).number}.")
        assert f"Accountable: {roles[raci.accountable]}." in text_of(part)


def test_critical_focus_cells_stand_out(doc, framework):
    flagged = 0
    for d in framework.domains:
        critical = {framework.model(c.model_id).short_name for c in framework.cells_for_domain(d.id) if c.critical}
        notes = [
            b for part in statement_groups(doc, d).values() for _, b in part if b.text.startswith("Critical focus:")
        ]
        assert {name for note in notes for name in critical if name in note.text} == critical, d.id
        assert len(notes) == len(critical), d.id
        assert all(note.runs[0].style.name == "Intense Emphasis" for note in notes)
        flagged += len(notes)
    assert flagged == sum(c.critical for c in framework.cells)


# --- document properties and hygiene ---------------------------------------------------------


def test_document_properties_are_set_and_pinned(doc, framework):
    props = doc.core_properties
    assert props.title == "AI Security Policy"
    assert "AI Security Shared Responsibility Model 1.1.0" in props.subject
    assert props.author == "ai-srm-generator"
    assert "AI security" in props.keywords and "SaaS AI" in props.keywords
    assert props.version == "1.0"
    assert props.revision == 1
    assert props.created == props.modified == props.last_printed
    assert props.created.replace(tzinfo=None) == RELEASE


def test_word_updates_the_contents_on_open_and_footer_numbers_pages(doc, build_dir):
    with zipfile.ZipFile(build_dir / FILE) as package:
        settings = package.read("word/settings.xml").decode()
        document = package.read("word/document.xml").decode()
        footers = "".join(package.read(n).decode() for n in package.namelist() if n.startswith("word/footer"))
    assert '<w:updateFields w:val="true"/>' in settings
    assert 'TOC \\o "1-2"' in document
    assert " PAGE " in footers and " NUMPAGES " in footers
    contents = [b.text for style, b in blocks(doc) if style in ("toc 1", "toc 2")]
    assert "Policy statements" in contents and "Annex H: MCP-Based Systems" in contents


def test_no_tag_placeholder_or_none_anywhere(doc):
    texts = all_texts(doc)
    assert len(texts) > 500
    for text in texts:
        assert "{{" not in text and "{%" not in text and "None" not in text, text


def test_content_uses_styles_not_direct_formatting(doc):
    body = blocks(doc)
    assert {"Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "table"} <= {style for style, _ in body}
    paragraphs = [b for style, b in body if style != "table"]
    assert all(b._p.pPr is None or [c.tag for c in b._p.pPr] == [qn("w:pStyle")] for b in paragraphs if b.text)
    run_properties = {child.tag for b in paragraphs for r in b.runs if r._r.rPr is not None for child in r._r.rPr}
    assert run_properties <= {qn("w:rStyle")}
    tables = [b for style, b in body if style == "table"][1:]
    assert {t.style.name for t in tables} == {"Light List Accent 1"}


# --- scope, literal text, branding -------------------------------------------------------------


def test_scoped_to_two_models_renders_only_their_annexes_and_cells(tmp_path, framework):
    scoped = framework.restricted_to(("saas-ai", "ai-coding"))
    doc = build_docx(scoped, tmp_path)
    h1 = [b.text for style, b in blocks(doc) if style == "Heading 1"]
    assert [h for h in h1 if h.startswith("Annex")] == ["Annex A: SaaS AI Models", "Annex B: AI Coding Assistants"]
    scope = text_of(split(section(doc, "Introduction", 1), 2)["Scope"])
    assert "SaaS AI Models" in scope and "AI Coding Assistants" in scope and "PaaS AI Models" not in scope
    for d in scoped.domains:
        named = set()
        for part in statement_groups(doc, d).values():
            named |= models_named(text_of(part), framework)
        assert named == {"saas-ai", "ai-coding"}, d.id
    assert rows(first_table(section(doc, "Appendix 1", 1)))[0] == ["Security domain", "SaaS AI", "AI Coding"]


def test_role_and_organisation_names_appear_literally(tmp_path, framework):
    odd = "Smith & Sons <Ltd>"
    fw = dataclasses.replace(framework, roles=(dataclasses.replace(framework.roles[0], name=odd), *framework.roles[1:]))
    doc = build_docx(fw, tmp_path, Branding(organisation=odd, classification='Confidential "A" & <B>'))
    texts = all_texts(doc)
    assert odd in cover(doc)
    assert 'Confidential "A" & <B>' in cover(doc)
    assert sum(odd in t for t in texts) > 5
    assert not any("&amp;" in t or "&lt;" in t or "[Organisation name]" in t for t in texts)
    assert doc.core_properties.author == odd


def test_xml_illegal_characters_are_removed(tmp_path, framework):
    doc = build_docx(framework, tmp_path, Branding(organisation="Acme\x00 Corp\x0b\ufffe"))
    assert "Acme Corp" in cover(doc)


def test_logo_goes_on_the_cover_within_its_box(tmp_path, framework):
    doc = build_docx(framework, tmp_path / "out", Branding(organisation="Acme", logo=png_logo(1200, 200)))
    assert len(doc.inline_shapes) == 1
    shape = doc.inline_shapes[0]
    assert shape.width.mm <= 60.1 and shape.height.mm <= 25.1


def test_next_review_follows_the_profiles_review_cycle(tmp_path, framework):
    doc = build_docx(framework, tmp_path, Branding(review_cycle_months=6, document_owner="Head of AI Risk"))
    facts = dict(rows(first_table(section(doc, "Document control", 1)))[1:])
    assert facts["Next review due"] == "2026-03-26"
    assert facts["Document owner"] == "Head of AI Risk"


# --- broken templates --------------------------------------------------------------------------


def context(framework) -> RenderContext:
    return RenderContext(framework=framework, build_time=build_time(framework), env=make_environment(), context={})


def template_with(tmp_path: Path, text: str) -> Path:
    template = docx.Document(TEMPLATE)
    template.paragraphs[3].insert_paragraph_before(text)
    path = tmp_path / "policy-pack.docx"
    template.save(path)
    return path


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("{{ nonexistent }}", "'nonexistent' is undefined"),
        ("{{ broken", "{{ broken"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "unsafe"),
        ("{{ title }} None", "'None' left in word/document.xml"),
    ],
)
def test_broken_template_fails_naming_template_and_tag(tmp_path, framework, tag, expected):
    with pytest.raises(PolicyTemplateError) as info:
        render_policy(context(framework), template_with(tmp_path, tag))
    assert "template policy-pack.docx" in str(info.value)
    assert expected in str(info.value)


def test_broken_override_template_fails_the_build_with_its_name(tmp_path, framework):
    overrides = tmp_path / "templates"
    (overrides / "word").mkdir(parents=True)
    template_with(overrides / "word", "{{ nonexistent }}")
    with pytest.raises(Exception, match=r"docx: template policy-pack.docx: 'nonexistent' is undefined"):
        build(
            framework,
            tmp_path / "out",
            only=["docx"],
            progress=lambda line: None,
            search_path=SearchPath(overrides=(overrides,)),
        )


def test_template_without_body_paragraph_is_refused(tmp_path, framework):
    template = docx.Document(TEMPLATE)
    body = next(p for p in template.paragraphs if p.text == "{{ body }}")
    body._p.getparent().remove(body._p)
    template.save(tmp_path / "policy-pack.docx")
    with pytest.raises(PolicyTemplateError, match=r"exactly one paragraph holding only \{\{ body \}\}"):
        render_policy(context(framework), tmp_path / "policy-pack.docx")


def test_template_script_reproduces_the_committed_template():
    spec = spec_from_file_location("make_template", TEMPLATE.with_name("make_template.py"))
    script = module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.build() == TEMPLATE.read_bytes()


# --- reproducibility and a second client ------------------------------------------------------


def test_two_builds_are_byte_identical(tmp_path, framework):
    build(framework, tmp_path / "a", only=["docx"], progress=lambda line: None)
    time.sleep(1.1)
    build(framework, tmp_path / "b", only=["docx"], progress=lambda line: None)
    assert (tmp_path / "a" / FILE).read_bytes() == (tmp_path / "b" / FILE).read_bytes()


def test_source_date_epoch_dates_the_document_and_its_zip_entries(tmp_path, framework, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    doc = build_docx(framework, tmp_path)
    assert doc.core_properties.created.replace(tzinfo=None) == datetime(2023, 11, 14, 22, 13, 20)
    assert "2023-11-14" in cover(doc)
    with zipfile.ZipFile(tmp_path / FILE) as package:
        assert {i.date_time for i in package.infolist()} == {(2023, 11, 14, 22, 13, 20)}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_to_pdf_with_the_expected_pages(build_dir, tmp_path):
    profile = f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}"
    result = subprocess.run(
        ["soffice", "--headless", profile, "--convert-to", "pdf", "--outdir", str(tmp_path), str(build_dir / FILE)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    pdf = pypdf.PdfReader(tmp_path / FILE.replace(".docx", ".pdf"))
    assert 25 <= len(pdf.pages) <= 45  # 32 measured with LibreOffice 7 and DejaVu Sans
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Agent Governance" in text and "Annex H: MCP-Based Systems" in text
    assert "Page 1 of" not in pdf.pages[0].extract_text()  # the cover has no footer
    assert f"Page 2 of {len(pdf.pages)}" in pdf.pages[1].extract_text()


def test_our_obligations_lists_each_customer_and_shared_cell_with_its_accountable_role(doc, framework):
    parts = split(section(doc, "Our obligations", 1), 2)
    assert list(parts) == [
        f"{m.name} ({sum('customer' in framework.level(c.level_id).owners for c in framework.cells_for_model(m.id))})"
        for m in framework.models
    ]
    roles = {r.id: r.name for r in framework.roles}
    accountable = {row.domain_id: roles[row.accountable] for row in framework.raci}
    for (heading, part), model in zip(parts.items(), framework.models, strict=True):
        body = rows(first_table(part))[1:]
        expected = [c for c in framework.cells_for_model(model.id) if "customer" in framework.level(c.level_id).owners]
        assert len(body) == len(expected), heading
        for row, cell in zip(body, expected, strict=True):
            domain = framework.domain(cell.domain_id)
            assert row[0].startswith(f"{domain.number}. {domain.name}")
            assert row[1].startswith(framework.level(cell.level_id).label)
            assert row[2] == accountable[cell.domain_id]

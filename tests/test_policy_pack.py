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

from generator.edition import Edition
from generator.org.branding import Branding, DocumentControl
from generator.pipeline import build, build_time
from generator.renderers.base import RenderContext
from generator.renderers.policy_pack.document import PolicyTemplateError, render_policy
from generator.search_path import SearchPath
from generator.template_context import template_context
from generator.templating import TEMPLATES_DIR, make_environment
from tests.conftest import png_logo
from tests.ooxml_schemas import schema_errors

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
    build(Edition(framework, branding=branding or Branding(), only=("docx",)), out)
    return docx.Document(out / f"{(branding or Branding()).file_prefix}-policy.docx")


# --- structure ----------------------------------------------------------------------------


def test_outline_has_every_section_domain_and_annex(doc, framework):
    h1 = [b.text for style, b in blocks(doc) if style == "Heading 1"]
    annexes = [f"Annex {letter}: {m.name}" for letter, m in zip(LETTERS, framework.models, strict=True)]
    annexes += [
        f"Annex {letter}: How this policy maps to {w.reference.short_name} {w.reference.version}"
        for letter, w in zip("IJKLM", framework.mappings, strict=True)
    ]
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
        "Appendix 4: Changes from the previous framework version",
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
    assert props.keywords.split("; ")[:4] == ["AI-security", "policy", "shared-responsibility", "RACI"]
    assert "SaaS-AI" in props.keywords.split("; ")
    assert props.version == "1.0"
    assert props.revision == 1
    assert props.created == props.modified
    assert props.created.replace(tzinfo=None) == RELEASE
    assert props.last_printed is None  # nobody printed it


def test_contents_link_to_bookmarked_headings_without_an_update_prompt(doc, build_dir):
    with zipfile.ZipFile(build_dir / FILE) as package:
        settings = package.read("word/settings.xml").decode()
        footers = "".join(package.read(n).decode() for n in package.namelist() if n.startswith("word/footer"))
    assert "updateFields" not in settings  # no prompt on every open
    assert " PAGE " in footers and " NUMPAGES " in footers  # Word and LibreOffice lay these out without updating
    body = doc.element.body
    (instruction,) = [i for i in body.iter(qn("w:instrText")) if i.text.strip().startswith("TOC")]
    assert instruction.text.strip() == 'TOC \\o "1-1" \\h \\z \\u'  # a real TOC field: Word's update still works
    bookmarks = {b.get(qn("w:name")): b.getparent() for b in body.iter(qn("w:bookmarkStart"))}
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    entries = [p for p in doc.paragraphs if p.style.name == "toc 1"]
    assert [p.text for p in entries] == headings and "Annex H: MCP-Based Systems" in headings
    for entry, heading in zip(entries, headings, strict=True):
        (link,) = entry._p.findall(qn("w:hyperlink"))
        target = bookmarks[link.get(qn("w:anchor"))]
        assert Paragraph(target, doc).text == heading and Paragraph(target, doc).style.name == "Heading 1"
    # the cached result sits between the field's separate and end marks, in the field's paragraphs
    kinds = [c.get(qn("w:fldCharType")) for c in body.iter(qn("w:fldChar"))]
    assert kinds[:3] == ["begin", "separate", "end"]
    assert entries[-1]._p.findall(f"{qn('w:r')}/{qn('w:fldChar')}")[-1].get(qn("w:fldCharType")) == "end"


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
    annexes = [h for h in h1 if h.startswith("Annex")]
    assert annexes[:2] == ["Annex A: SaaS AI Models", "Annex B: AI Coding Assistants"]
    assert annexes[2] == "Annex C: How this policy maps to NIST AI RMF 1.0"  # the mapping annexes follow on
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
    doc = build_docx(
        framework, tmp_path, Branding(document_control=DocumentControl(review_cycle_months=6, owner="Head of AI Risk"))
    )
    facts = dict(rows(first_table(section(doc, "Document control", 1)))[1:])
    assert facts["Next review due"] == "2026-03-26"
    assert facts["Document owner"] == "Head of AI Risk"


# --- broken templates --------------------------------------------------------------------------


def context(framework) -> RenderContext:
    return RenderContext(
        framework=framework,
        build_time=build_time(framework),
        env=make_environment(),
        context=template_context(framework),
    )


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
        build(Edition(framework, only=("docx",), search_path=SearchPath(overrides=(overrides,))), tmp_path / "out")


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
    build(Edition(framework, only=("docx",)), tmp_path / "a")
    time.sleep(1.1)
    build(Edition(framework, only=("docx",)), tmp_path / "b")
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
    # LibreOffice splits the keywords at spaces as well as semicolons: it reads the same keywords as Word.
    keywords = docx.Document(build_dir / FILE).core_properties.keywords.split("; ")
    assert pdf.metadata["/Keywords"].split(", ") == keywords
    assert 25 <= len(pdf.pages) <= 55  # 49 measured with LibreOffice 7 and DejaVu Sans (12 of them mapping annexes)
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Agent Governance" in text and "Annex H: MCP-Based Systems" in text
    assert "Page 1 of" not in pdf.pages[0].extract_text()  # the cover has no footer
    assert f"Page 2 of {len(pdf.pages)}" in pdf.pages[1].extract_text()
    # The contents page, as LibreOffice shows it without updating fields: every top-level heading, on one
    # page (no orphan lines), no page numbers to disagree, each entry a link to its heading's page.
    headings = [p.text for p in docx.Document(build_dir / FILE).paragraphs if p.style.name == "Heading 1"]
    lines = [line.strip() for line in pdf.pages[1].extract_text().splitlines() if line.strip()]
    start = lines.index("Contents")
    assert lines[start + 1 : start + 1 + len(headings)] == headings
    assert not any(line in headings for line in pdf.pages[2].extract_text().splitlines()[2:])
    assert pdf.pages[2].extract_text().splitlines()[1].strip() == headings[0] == "Document control"
    links = sorted((a.get_object() for a in pdf.pages[1].get("/Annots", [])), key=lambda a: -float(a["/Rect"][3]))
    number = {page.indirect_reference.idnum: n for n, page in enumerate(pdf.pages)}
    targets = [number[_link_target(pdf, a).idnum] for a in links]
    assert len(links) == len(headings)
    page_texts = [" ".join(page.extract_text().split()) for page in pdf.pages]
    starts = [next(n for n in range(2, len(pdf.pages)) if h in page_texts[n]) for h in headings]
    assert targets == starts


def _link_target(pdf, annotation):
    """Return the page an internal link annotation goes to (an indirect reference)."""
    dest = annotation["/Dest"] if "/Dest" in annotation else annotation["/A"]["/D"]
    if isinstance(dest, str):
        return pdf.named_destinations[dest].page
    return dest[0]


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


# --- fonts: what the file declares and carries ------------------------------------------------

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def carried_fonts(path: Path) -> dict[str, dict[str, bytes]]:
    """Return each font family fontTable.xml embeds, face -> the de-obfuscated font file."""
    from lxml import etree

    from generator.renderers.policy_pack.font_parts import obfuscate

    with zipfile.ZipFile(path) as package:
        table = etree.fromstring(package.read("word/fontTable.xml"))
        rels = etree.fromstring(package.read("word/_rels/fontTable.xml.rels"))
        targets = {r.get("Id"): "word/" + r.get("Target") for r in rels}
        carried = {}
        for font in table.findall(f"{W_NS}font"):
            faces = {}
            for embed in font:
                if embed.tag.startswith(f"{W_NS}embed"):
                    data = package.read(targets[embed.get(f"{R_NS}id")])
                    faces[embed.tag.removeprefix(W_NS)] = obfuscate(data, embed.get(f"{W_NS}fontKey"))
            if faces:
                carried[font.get(f"{W_NS}name")] = faces
        types = package.read("[Content_Types].xml").decode()
        settings = package.read("word/settings.xml").decode()
    assert 'Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"' in types
    assert "<w:embedTrueTypeFonts/>" in settings
    return carried


def normal_font(doc: Document) -> str:
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert not any(fonts.get(qn(f"w:{a}Theme")) for a in ("ascii", "hAnsi"))
    assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi"))
    return fonts.get(qn("w:ascii"))


def test_the_policy_carries_the_font_normal_uses(doc, build_dir):
    assert normal_font(doc) == "DejaVu Sans"
    carried = carried_fonts(build_dir / FILE)
    fonts = TEMPLATES_DIR / "fonts"
    assert carried == {
        "DejaVu Sans": {
            "embedRegular": (fonts / "DejaVuSans.ttf").read_bytes(),
            "embedBold": (fonts / "DejaVuSans-Bold.ttf").read_bytes(),
        }
    }
    with zipfile.ZipFile(build_dir / FILE) as package:
        stored = {n: package.read(n) for n in package.namelist() if n.startswith("word/fonts/")}
    assert len(stored) == 2 and all(data[:4] != b"\x00\x01\x00\x00" for data in stored.values())  # obfuscated


def test_every_font_the_text_names_is_carried_or_on_every_office_install(doc, build_dir):
    office = {"Calibri", "Cambria", "Arial", "Times New Roman", "Courier New", "Symbol", "Cambria Math"}
    with zipfile.ZipFile(build_dir / FILE) as package:
        xml = "".join(package.read(n).decode() for n in ("word/styles.xml", "word/document.xml"))
    import re

    named = set(re.findall(r'w:(?:ascii|hAnsi)="([^"]+)"', xml))
    assert named and named <= set(carried_fonts(build_dir / FILE)) | office


def font_copy(tmp_path: Path, fs_type: int) -> Path:
    from fontTools.ttLib import TTFont

    font = TTFont(TEMPLATES_DIR / "fonts" / "DejaVuSans.ttf")
    font["OS/2"].fsType = fs_type
    path = tmp_path / f"Brand-{fs_type}.ttf"
    font.save(path)
    return path


def test_the_organisations_font_file_is_embedded(tmp_path, framework):
    path = font_copy(tmp_path, 0)
    branding = Branding(organisation="Acme", font_family="Brand Sans", font_file=path)
    doc = build_docx(framework, tmp_path / "out", branding)
    assert normal_font(doc) == "Brand Sans"
    carried = carried_fonts(tmp_path / "out" / f"{branding.file_prefix}-policy.docx")
    assert carried == {"Brand Sans": {"embedRegular": path.read_bytes()}}


def test_a_font_whose_licence_forbids_embedding_is_refused(tmp_path, framework):
    branding = Branding(organisation="Acme", font_family="Brand Sans", font_file=font_copy(tmp_path, 0x0002))
    with pytest.raises(PolicyTemplateError, match="forbids embedding"):
        render_policy(dataclasses.replace(context(framework), branding=branding), TEMPLATE)


# --- the package describes this project ---------------------------------------------------------


@pytest.mark.parametrize("which", ["policy", "template"])
def test_package_has_no_leftovers_of_python_docx_default_template(build_dir, which):
    from generator import __version__

    path = build_dir / FILE if which == "policy" else TEMPLATE
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        app = package.read("docProps/app.xml").decode()
        core = package.read("docProps/core.xml").decode()
        settings = package.read("word/settings.xml").decode()
        types = package.read("[Content_Types].xml").decode()
        rels = {n: package.read(n).decode() for n in names if n.endswith(".rels")}
    assert not {"docProps/thumbnail.jpeg", "word/stylesWithEffects.xml"} & names
    assert "thumbnail" not in types and "stylesWithEffects" not in types
    import re

    for rel_name, xml in rels.items():  # no relationship points at a missing part
        base = rel_name.replace("_rels/", "").removesuffix(".rels").rsplit("/", 1)[0] if "/" in rel_name else ""
        for target, mode in re.findall(r'Target="([^"]+)"(?: TargetMode="(\w+)")?', xml):
            if mode != "External":
                part = target.lstrip("/") if target.startswith("/") else f"{base}/{target}".lstrip("/")
                assert part.replace("word/../", "") in names or part in names, (rel_name, target)
    assert f"<Application>ai-srm-generator {__version__}</Application>" in app
    assert not re.search(r"Macintosh|Microsoft|<Pages>|<Words>|<Characters>|<Lines>|<Paragraphs>", app)
    assert "lastPrinted" not in core
    assert 'w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"' in settings
    assert "updateFields" not in settings and "savePreviewPicture" not in settings


@pytest.fixture(scope="module")
def org_policy(tmp_path_factory, framework) -> Path:
    """An organisation's policy with a logo (a picture in the body and the header) and its own font file."""
    out = tmp_path_factory.mktemp("org-policy")
    branding = Branding(
        organisation="Acme & Co", logo=png_logo(300, 100), font_family="Brand Sans", font_file=font_copy(out, 0)
    )
    build(Edition(framework, branding=branding, only=("docx",)), out)
    return out / f"{branding.file_prefix}-policy.docx"


@pytest.mark.parametrize("which", ["policy", "organisation", "template"])
def test_every_part_is_valid_against_the_transitional_schemas(build_dir, org_policy, which):
    path = {"policy": build_dir / FILE, "organisation": org_policy, "template": TEMPLATE}[which]
    assert schema_errors(path) == []


def test_schema_validation_finds_a_missing_required_attribute(tmp_path):
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(broken, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data.replace(b' w:percent="100"', b"") if name == "word/settings.xml" else data)
    (error,) = schema_errors(broken)
    assert error.startswith("word/settings.xml:") and "'{http://schemas.openxmlformats.org/wordprocessingml" in error
    assert "percent' is required but missing" in error


@pytest.mark.parametrize("which", ["policy", "organisation"])
def test_settings_and_parts_describe_this_document(build_dir, org_policy, which):
    from lxml import etree

    path = build_dir / FILE if which == "policy" else org_policy
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        settings = etree.fromstring(package.read("word/settings.xml"))
        table = etree.fromstring(package.read("word/fontTable.xml"))
        xml = "".join(package.read(n).decode() for n in names if n.startswith("word/") and n.endswith(".xml"))
        rels = "".join(package.read(n).decode() for n in names if n.endswith(".rels"))
    assert not [n for n in names if n.startswith("customXml/")] and "customXml" not in rels  # no empty bibliography
    (zoom,) = settings.iter(qn("w:zoom"))
    assert zoom.get(qn("w:percent")) == "100"
    assert settings.find(qn("w:proofState")) is None  # nobody checked the spelling of the generated text
    (language,) = settings.iter(qn("w:themeFontLang"))
    assert dict(language.attrib) == {qn("w:val"): "en-GB"}
    # The font table lists the one font the text is set in (bullets are drawn in it too), nothing else.
    listed = [f.get(qn("w:name")) for f in table.iter(qn("w:font"))]
    body = "DejaVu Sans" if which == "policy" else "Brand Sans"
    assert listed == [body]
    assert 'w:ascii="Symbol"' not in xml  # no bullet is drawn from the Symbol font


@pytest.mark.parametrize("logo", [None, "png"])
def test_header_text_never_starts_with_a_space(tmp_path, framework, logo):
    branding = Branding(organisation="Acme", logo=png_logo(300, 100) if logo else None)
    doc = build_docx(framework, tmp_path, branding)
    (header,) = [p for s in doc.sections for p in s.header.paragraphs if p.text]
    runs = [r for r in header._p.iter(qn("w:r")) if r.find(qn("w:drawing")) is not None or "".join(r.itertext())]
    if logo:  # the picture, then a space that separates it from the title
        assert runs[0].find(qn("w:drawing")) is not None and header.text.startswith(" AI Security Policy")
    else:
        assert header.text.startswith("AI Security Policy")


def test_every_picture_has_alternative_text(tmp_path, framework):
    branding = Branding(organisation="Acme & Co", logo=png_logo(300, 100), file_prefix="acme")
    doc = build_docx(framework, tmp_path, branding)
    with zipfile.ZipFile(tmp_path / "acme-policy.docx") as package:
        xml = {n: package.read(n).decode() for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")}
    import re

    pictures = [(n, d) for n, text in xml.items() for d in re.findall(r"<wp:docPr [^>]*>", text)]
    assert {n for n, _ in pictures} == {"word/document.xml", "word/header1.xml"}
    assert all('descr="Logo of Acme &amp; Co"' in d for _, d in pictures), pictures
    assert len(doc.inline_shapes) == 1


def test_every_table_repeats_its_header_row(doc):
    tables = doc.tables[1:]  # the cover's fact table has no header row
    assert len(tables) > 20
    for table in tables:
        first = table.rows[0]._tr.trPr
        assert first is not None and first.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])

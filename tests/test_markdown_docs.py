"""The Markdown docs: every model and domain, links that resolve, a 16 x 8 matrix table."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from generator.edition import Edition
from generator.org.branding import Branding
from generator.pipeline import build as build_all
from generator.tables import customer_duty

LINK = re.compile(r"\]\(([^)\s]+)\)")
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


def github_slug(heading: str) -> str:
    """Anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors_of(text: str) -> set[str]:
    headings = {github_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    return headings | set(ANCHOR.findall(text))


def pages(build_dir: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted((build_dir / "docs").rglob("*.md"))}


def test_expected_pages_exist(build_dir, framework):
    names = {p.relative_to(build_dir / "docs").as_posix() for p in pages(build_dir)}
    expected = {"index.md", "deployment-models.md", "security-domains.md", "responsibility-matrix.md", "obligations.md"}
    expected |= {"changes.md"}
    expected |= {f"models/{m.id}.md" for m in framework.models}
    expected |= {f"mappings/{w.reference.id}.md" for w in framework.mappings}
    assert names == expected


def test_every_model_and_domain_is_named(build_dir, framework):
    docs = pages(build_dir)
    index = docs[build_dir / "docs" / "index.md"]
    models_page = docs[build_dir / "docs" / "deployment-models.md"]
    domains_page = docs[build_dir / "docs" / "security-domains.md"]
    for m in framework.models:
        assert m.name in index and m.name in models_page
        for item in m.key_characteristics + m.security_considerations:
            assert item in models_page
    for d in framework.domains:
        assert d.name in index and d.name in domains_page
        for example in d.examples.values():
            assert example.replace("|", "\\|") in domains_page


def test_every_relative_link_resolves(build_dir):
    docs = pages(build_dir)
    anchors = {p: anchors_of(text) for p, text in docs.items()}
    checked = 0
    for page, text in docs.items():
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://")):
                continue
            file_part, _, fragment = target.partition("#")
            resolved = (page.parent / file_part).resolve() if file_part else page
            assert resolved in docs, f"{page.name}: broken link {target}"
            if fragment:
                assert fragment in anchors[resolved], f"{page.name}: missing anchor {target}"
            checked += 1
    assert checked > 200


def matrix_rows(text: str) -> list[list[str]]:
    section = text.split("## The matrix", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


def test_matrix_table_has_16_rows_of_8_cells_matching_the_model(build_dir, framework):
    text = (build_dir / "docs" / "responsibility-matrix.md").read_text(encoding="utf-8")
    rows = matrix_rows(text)
    assert len(rows) == len(framework.domains) == 16
    for row, domain in zip(rows, framework.domains, strict=True):
        cells = row[2:]
        assert len(cells) == 8
        assert row[0] == str(domain.number)
        for cell_text, model in zip(cells, framework.models, strict=True):
            cell = framework.cell(domain.id, model.id)
            expected = framework.level(cell.level_id).label + (" *" if cell.critical else "")
            assert cell_text == expected
    assert "★ after a domain marks an AI-specific domain" in text
    assert "* after a level marks a critical focus area" in text


def test_model_page_lists_its_16_responsibilities(build_dir, framework):
    for m in framework.models:
        text = (build_dir / "docs" / "models" / f"{m.id}.md").read_text(encoding="utf-8")
        rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
        assert len(rows) == 16
        for row, cell in zip(rows, framework.cells_for_model(m.id), strict=True):
            assert f"| {framework.level(cell.level_id).label}" in row
            assert customer_duty(framework, cell).split(".")[0] in row


# --- names stay literal and can never become markup ---------------------------------

HOSTILE_NAMES = [
    "Northwind Analytics & Co. <Ltd>",
    "[click](https://evil.example)",
    "![pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<https://evil.example>",
    "Tom &amp; Jerry &#60;b&#62; &copy;",
    "Pipe | Co",
    "`code` and ``more``",
    "# Heading Ltd",
    "*Star* and **bold** and _under_ snake_case",
    "~~struck~~ corp",
    "https://evil.example and www.evil.example and boss@evil.example",
    "1. Ordered Ltd",
    "- Bullet Ltd",
    "> Quote Ltd",
    "Back\\slash\\ Ltd\\",
    "[ref]: https://evil.example",
]


def build(fw, out: Path, only: list[str], branding: Branding | None = None) -> None:
    build_all(Edition(fw, branding or Branding(), tuple(only)), out)


def relative_pages(out: Path) -> dict[str, str]:
    return {str(path.relative_to(out)): text for path, text in pages(out).items()}


def parse(text: str):
    from markdown_it import MarkdownIt

    # GitHub Flavoured Markdown as near as markdown-it gets: tables, strikethrough, bare-URL autolinks.
    return MarkdownIt("gfm-like").parse(text)


def markup(tokens) -> list[tuple[str, str]]:
    """Every link, image, HTML and code token of a parsed page, with what it points at or holds."""
    found = []
    for token in tokens:
        for t in [token, *(token.children or [])]:
            if t.type in ("link_open", "image", "html_inline", "html_block", "code_inline", "s_open", "em_open"):
                found.append((t.type, str(t.attrs.get("href") or t.attrs.get("src") or t.content)))
            if t.type in ("heading_open", "blockquote_open", "bullet_list_open", "ordered_list_open"):
                found.append((t.type, ""))
    return found


def plain_text(tokens) -> str:
    return " ".join(t.content for token in tokens for t in token.children or [] if t.type == "text")


@pytest.fixture(scope="module")
def plain_pages(tmp_path_factory, framework):
    out = tmp_path_factory.mktemp("plain")
    build(named(framework, "Plain Name"), out, only=["markdown"], branding=Branding(organisation="Plain Name"))
    return relative_pages(out)


def named(framework, name: str):
    """The framework with its first role renamed: role names fill table cells (md_cell)."""
    first, *rest = framework.roles
    return dataclasses.replace(framework, roles=(dataclasses.replace(first, name=name), *rest))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_renders_literally_and_never_as_markup(tmp_path, framework, plain_pages, name):
    build(named(framework, name), tmp_path, only=["markdown"], branding=Branding(organisation=name))
    written = relative_pages(tmp_path)
    assert set(written) == set(plain_pages)
    for path, text in written.items():
        tokens, expected = parse(text), parse(plain_pages[path])
        # the same links, images, HTML, code, headings and lists as with a plain name: the name added none
        assert markup(tokens) == markup(expected), path
        # tables keep their shape: a name never breaks a row
        shape = [t.type for t in tokens if t.type in ("tr_open", "th_open", "td_open")]
        assert shape == [t.type for t in expected if t.type in ("tr_open", "th_open", "td_open")], path
    index = parse(written["docs/index.md"])
    title = next(t for i, t in enumerate(index) if i and index[i - 1].type == "heading_open")
    assert plain_text([title]) == f"AI Security Shared Responsibility Model: {' '.join(name.split())}"
    obligations = parse(written["docs/obligations.md"])
    cells = [t for t in obligations if t.type == "inline"]
    assert any(plain_text([c]) == " ".join(name.split()) for c in cells)


@pytest.mark.parametrize("name", ["Northwind Analytics & Co. <Ltd>", "AT&T", "a < b", "Smith & Sons", "x_y_z"])
def test_a_safe_name_is_written_as_is_or_nearly(tmp_path, framework, name):
    build(framework, tmp_path, only=["markdown"], branding=Branding(organisation=name))
    heading = (tmp_path / "docs" / "index.md").read_text(encoding="utf-8").splitlines()[0]
    expected = name.replace("<L", "\\<L")  # only a `<` that could open a tag is escaped
    assert heading == f"# AI Security Shared Responsibility Model: {expected}"


def test_an_edition_index_says_how_many_models_the_framework_has_and_it_uses(tmp_path, framework):
    edition = framework.restricted_to(("saas-ai", "agentic-ai"))
    build(edition, tmp_path / "e", only=["markdown"], branding=Branding(organisation="Acme"))
    text = (tmp_path / "e" / "docs" / "index.md").read_text(encoding="utf-8")
    assert "The framework covers **8 deployment models** and **16 security domains**; this edition uses **2**" in text
    assert "covers **2 deployment models**" not in text
    build(framework, tmp_path / "f", only=["markdown"])
    text = (tmp_path / "f" / "docs" / "index.md").read_text(encoding="utf-8")
    assert "The framework covers **8 deployment models** and **16 security domains**. For each pair" in text

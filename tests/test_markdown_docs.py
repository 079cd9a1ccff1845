"""The Markdown docs: every model and domain, links that resolve, a 16 x 8 matrix table."""

from __future__ import annotations

import re
from pathlib import Path

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

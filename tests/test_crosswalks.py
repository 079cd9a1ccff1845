"""Crosswalks: every reference id resolves, every domain is mapped or explicitly unmapped, bad data is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model import DEFAULT_FRAMEWORK, NO_RELATIONSHIP, RELATIONSHIPS
from generator.source import load
from generator.source.load import DATA_DIR, available_versions, load_framework, load_previous, load_with_previous
from generator.source.yaml_reader import load_yaml
from tests.test_validation import edit, line_of, only_problem, problems

V = "frameworks/ai-security-shared-responsibility/1.1.0"
FRAMEWORKS = ("nist-ai-rmf", "iso-iec-42001", "eu-ai-act", "owasp-llm-top-10", "mitre-atlas")


@pytest.mark.parametrize("version", available_versions())
def test_every_target_id_resolves_and_every_domain_is_covered(version):
    fw = load_framework(DATA_DIR, version)
    assert tuple(w.reference.id for w in fw.mappings) == FRAMEWORKS
    raw = load_yaml(DATA_DIR / V.replace("1.1.0", version) / "mappings.yaml").data["frameworks"]
    for walk in fw.mappings:
        ids = {item["id"] for item in load_yaml(DATA_DIR / "references" / f"{walk.reference.id}.yaml").data["items"]}
        written = [e.get("target") for entries in raw[walk.reference.id].values() for e in entries]
        assert [m.target.id if m.target else None for m in walk.maps] == [
            e.get("target") for d in fw.domains for e in raw[walk.reference.id][d.id]
        ]
        assert {t for t in written if t} <= ids
        for domain in fw.domains:
            maps = walk.for_domain(domain.id)
            assert maps, (walk.reference.id, domain.id)
            assert all(m.relationship in RELATIONSHIPS and m.rationale for m in maps)
            if any(m.target is None for m in maps):
                assert len(maps) == 1 and maps[0].relationship == NO_RELATIONSHIP


def test_both_versions_read_the_shared_files_once(monkeypatch):
    read = []
    original = load.load_yaml
    monkeypatch.setattr(load, "load_yaml", lambda path: read.append(path) or original(path))
    framework, previous = load_with_previous(DATA_DIR)
    shared = [
        DATA_DIR / "frameworks" / DEFAULT_FRAMEWORK / "roles.yaml",
        *(DATA_DIR / "references" / f"{name}.yaml" for name in FRAMEWORKS),
    ]
    assert all(read.count(path) == 1 for path in shared)
    assert len(read) == len(set(read))
    assert framework == load_framework(DATA_DIR)
    assert previous == load_previous(framework, DATA_DIR)


def test_reference_lists_record_version_source_and_licence():
    for name in FRAMEWORKS:
        data = load_yaml(DATA_DIR / "references" / f"{name}.yaml").data
        assert data["id"] == name and data["version"] and data["source_url"].startswith("https://")
        assert data["licence"] and data["items"]
    atlas = load_yaml(DATA_DIR / "references" / "mitre-atlas.yaml").data
    assert {"id": "AML.M0024", "title": "AI Telemetry Logging"} in atlas["items"]


def test_unknown_target_names_file_line_key_and_a_close_id(data_copy: Path):
    edit(data_copy, f"{V}/mappings.yaml", "{target: MEASURE 2.10,", "{target: MEASURE 2.100,")
    line = line_of(data_copy, f"{V}/mappings.yaml", "MEASURE 2.100")
    message = only_problem(data_copy)
    assert f"mappings.yaml:{line}: frameworks.nist-ai-rmf.data-privacy[0].target:" in message
    assert "unknown NIST AI RMF id 'MEASURE 2.100'; did you mean 'MEASURE 2.10'?" in message


def test_a_domain_left_out_is_named(data_copy: Path):
    text = (data_copy / V / "mappings.yaml").read_text()
    start = text.index("    network-security:\n", text.index("  eu-ai-act:"))
    end = text.index("    infrastructure-security:", start)
    (data_copy / V / "mappings.yaml").write_text(text[:start] + text[end:])
    message = only_problem(data_copy)
    assert "frameworks.eu-ai-act:" in message
    assert "domain network-security is not mapped to eu-ai-act; add its targets or mark it no-relationship" in message


def test_a_target_missing_outside_an_unmapped_entry_is_refused(data_copy: Path):
    edit(data_copy, f"{V}/mappings.yaml", "{target: A.7.4, relationship: intersects-with", "{relationship: subset-of")
    found = problems(data_copy)
    assert len(found) == 1 and "frameworks.iso-iec-42001.data-security[1]:" in found[0]
    assert "missing key target; only a domain's single no-relationship entry may omit it" in found[0]


def test_an_unknown_relationship_and_a_missing_reference_list_are_named(data_copy: Path):
    edit(data_copy, f"{V}/mappings.yaml", "relationship: equivalent-to", "relationship: same-as")
    line = line_of(data_copy, f"{V}/mappings.yaml", "same-as")
    message = only_problem(data_copy)
    assert f"mappings.yaml:{line}: frameworks.nist-ai-rmf.data-privacy[0].relationship: found 'same-as'" in message
    edit(data_copy, f"{V}/mappings.yaml", "same-as", "equivalent-to")
    (data_copy / "references" / "eu-ai-act.yaml").unlink()
    message = only_problem(data_copy)
    assert "frameworks.eu-ai-act: no reference list references/eu-ai-act.yaml" in message


def test_a_framework_key_that_is_not_a_slug_never_reaches_the_file_system(data_copy: Path):
    edit(data_copy, f"{V}/mappings.yaml", "  mitre-atlas:\n", "  ../../mitre-atlas:\n")
    found = problems(data_copy)
    assert any("expected a lower-case slug" in p for p in found), found


# --- the workbook and the CSV ---------------------------------------------

XLSX = "ai-security-responsibility-raci.xlsx"


def expected_mappings(fw) -> list[list[str]]:
    return [
        [
            m.domain_id,
            w.reference.id,
            m.target.id if m.target else "",
            m.target.title if m.target else "",
            m.relationship,
            m.rationale,
        ]
        for w in fw.mappings
        for m in w.maps
    ]


def test_pandas_reads_the_mappings_table_and_columns_equal_to_the_data(build_dir, framework):
    import pandas as pd

    frame = pd.read_excel(build_dir / XLSX, sheet_name="Mappings", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["domain_id", "framework", "target_id", "title", "relationship", "rationale"]
    assert frame.values.tolist() == expected_mappings(framework)
    assert len(frame) == sum(len(w.maps) for w in framework.mappings)
    for source in (
        pd.read_excel(build_dir / XLSX, sheet_name="Responsibilities", dtype=str, keep_default_na=False),
        pd.read_csv(build_dir / "responsibilities.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False),
    ):
        assert list(source.columns)[-5:] == [f"{f.replace('-', '_')}_ids" for f in FRAMEWORKS]
        for walk in framework.mappings:
            column = f"{walk.reference.id.replace('-', '_')}_ids"
            expected = ["; ".join(walk.target_ids(c.domain_id)) for c in framework.cells]
            assert list(source[column]) == expected
    atlas = frame[frame["framework"] == "mitre-atlas"]
    assert ("monitoring-and-logging", "AML.M0024", "equivalent-to") in set(
        zip(atlas["domain_id"], atlas["target_id"], atlas["relationship"], strict=True)
    )


def test_libreoffice_reads_the_mappings_table_equal_to_the_data(build_dir, framework, tmp_path):
    import csv
    import io
    import subprocess

    import openpyxl

    assert openpyxl.load_workbook(build_dir / XLSX).sheetnames.index("Mappings") == 9
    profile = (tmp_path / "profile").as_uri()
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,10"
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", target]
    done = subprocess.run(
        [*command, "--outdir", str(tmp_path), str(build_dir / XLSX)], capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    exported = tmp_path / XLSX.replace(".xlsx", "-Mappings.csv")
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["domain_id", "framework", "target_id", "title", "relationship", "rationale"]
    assert rows[1:] == expected_mappings(framework)


def test_the_about_sheet_names_each_framework_with_its_licence(build_dir, framework):
    import openpyxl

    texts = {str(c.value) for row in openpyxl.load_workbook(build_dir / XLSX)["About"].iter_rows() for c in row}
    for walk in framework.mappings:
        ref = walk.reference
        (line,) = [t for t in texts if t.startswith(f"{ref.name}; column ")]
        assert ref.licence in line and ref.source_url in line
        assert not ref.attribution or ref.attribution in line


# --- framework.json, Markdown, poster -------------------------------------


def test_framework_json_has_a_mappings_section_equal_to_the_data(build_dir, framework):
    import json

    document = json.loads((build_dir / "framework.json").read_text(encoding="utf-8"))
    assert [m["reference"]["id"] for m in document["mappings"]] == list(FRAMEWORKS)
    for section, walk in zip(document["mappings"], framework.mappings, strict=True):
        assert section["reference"]["licence"] == walk.reference.licence
        assert len(section["reference"]["items"]) == len(walk.reference.items)
        assert [
            (m["domain_id"], m["target"]["id"] if m["target"] else None, m["relationship"]) for m in section["maps"]
        ] == [(m.domain_id, m.target.id if m.target else None, m.relationship) for m in walk.maps]


def test_a_markdown_page_per_framework_lists_every_mapping(build_dir, framework):
    index = (build_dir / "docs" / "index.md").read_text(encoding="utf-8")
    for walk in framework.mappings:
        ref = walk.reference
        page = (build_dir / "docs" / "mappings" / f"{ref.id}.md").read_text(encoding="utf-8")
        assert f"(mappings/{ref.id}.md)" in index
        assert page.startswith(f"# How this framework maps to {ref.short_name} {ref.version}")
        assert "informative reading" in page and ref.licence in page
        rows = [line for line in page.splitlines() if line.startswith("| ") and line.split(" | ")[0][2:].isdigit()]
        assert len(rows) == len(walk.maps)
        for line, m in zip(rows, walk.maps, strict=True):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            assert cells[2] == (m.target.id if m.target else "none") and cells[4] == m.relationship
            assert cells[5] == m.rationale.replace("|", "\\|")


def test_the_poster_footer_names_the_frameworks_mapped(build_dir, framework):
    import pdfplumber

    (pdf,) = build_dir.glob("*poster.pdf")
    with pdfplumber.open(pdf) as doc:
        text = " ".join((doc.pages[0].extract_text() or "").split())
    names = ", ".join(w.reference.short_name for w in framework.mappings)
    assert f"Mapped to {names}" in text


def test_the_policy_has_an_annex_per_framework_with_every_mapping(build_dir, framework):
    import docx

    document = docx.Document(build_dir / "ai-security-responsibility-policy.docx")
    h1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    for letter, walk in zip("IJKLM", framework.mappings, strict=True):
        ref = walk.reference
        assert f"Annex {letter}: How this policy maps to {ref.short_name} {ref.version}" in h1
        table = tables[("Security domain", ref.short_name, "Title", "Relationship", "Rationale")]
        body = [[c.text for c in row.cells] for row in table.rows[1:]]
        assert [(r[1], r[3], r[4]) for r in body] == [
            (m.target.id if m.target else "none", m.relationship, m.rationale) for m in walk.maps
        ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "informative reading" in text and "CC BY-SA 4.0" in text


# --- editions: org.yaml `mappings` ------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"


def org_with(tmp_path: Path, line: str) -> Path:
    import shutil

    folder = tmp_path / "org"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "org.yaml").read_text(encoding="utf-8")
    (folder / "org.yaml").write_text(text + "\n" + line + "\n", encoding="utf-8")
    return folder


def test_org_mappings_picks_the_frameworks_every_format_shows(tmp_path, framework):
    import json

    import openpyxl

    from generator.cli import main

    folder = org_with(tmp_path, "mappings: [owasp-llm-top-10, nist-ai-rmf]")
    assert (
        main(["build", "--org", str(folder), "--out", str(tmp_path / "out"), "--only", "json,xlsx,oscal,markdown"]) == 0
    )
    (edition,) = (tmp_path / "out").iterdir()
    document = json.loads((edition / "framework.json").read_text(encoding="utf-8"))
    assert [m["reference"]["id"] for m in document["mappings"]] == ["nist-ai-rmf", "owasp-llm-top-10"]  # data order
    assert sorted(p.name for p in (edition / "oscal-mappings").iterdir()) == [
        "nist-ai-rmf.json",
        "owasp-llm-top-10.json",
    ]
    assert sorted(p.name for p in (edition / "docs" / "mappings").iterdir()) == [
        "nist-ai-rmf.md",
        "owasp-llm-top-10.md",
    ]
    (xlsx,) = edition.glob("*-raci.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    header = [c.value for c in wb["Responsibilities"][1]]
    assert header[-2:] == ["nist_ai_rmf_ids", "owasp_llm_top_10_ids"] and "mitre_atlas_ids" not in header
    assert {r[1] for r in wb["Mappings"].iter_rows(min_row=2, values_only=True)} == {"nist-ai-rmf", "owasp-llm-top-10"}


def test_org_mappings_empty_shows_none_and_unknown_ids_are_named(tmp_path, framework):
    from generator.org.profile import load_profile
    from generator.org.tailor import tailor
    from generator.problems import InputError

    none = tailor(framework, load_profile(org_with(tmp_path / "a", "mappings: []"), framework))
    assert none.mappings == ()
    every = tailor(framework, load_profile(org_with(tmp_path / "b", "# all by default"), framework))
    assert every.mappings == framework.mappings
    folder = org_with(tmp_path / "c", "mappings: [nist-ai-rmf, iso-27001, nist-ai-rmf]")
    with pytest.raises(InputError) as info:
        load_profile(folder, framework)
    found = [str(p) for p in info.value.problems]
    assert any(
        "mappings[1]: unknown framework 'iso-27001'; expected one of nist-ai-rmf, iso-iec-42001" in p for p in found
    )
    assert any("mappings[2]: nist-ai-rmf is listed twice; keep one" in p for p in found)


# --- changes between framework versions -------------------------------------


def test_changed_mappings_are_listed_between_versions(data_copy, tmp_path):
    import dataclasses

    from generator.changes import MappingChange, changes_view, compare, to_markdown

    old, new = load_framework(data_copy, "1.0.0"), load_framework(data_copy, "1.1.0")
    assert compare(old, new).mappings == ()  # the shipped versions map the same domains alike
    edit(
        data_copy,
        f"{V}/mappings.yaml",
        "{target: MEASURE 2.10, relationship: equivalent-to",
        "{target: MEASURE 2.10, relationship: subset-of",
    )
    edit(
        data_copy,
        f"{V}/mappings.yaml",
        "{target: AML.M0013, relationship: intersects-with",
        "{target: AML.M0016, relationship: intersects-with",
    )
    new = load_framework(data_copy, "1.1.0")
    changes = compare(old, new)
    assert set(changes.mappings) == {
        MappingChange("changed", "nist-ai-rmf", "data-privacy", "MEASURE 2.10", "equivalent-to", "subset-of"),
        MappingChange("added", "mitre-atlas", "supply-chain-security", "AML.M0016", "", "intersects-with"),
        MappingChange("removed", "mitre-atlas", "supply-chain-security", "AML.M0013", "intersects-with", ""),
    }
    view = changes_view(changes, new)
    assert {(m["framework"], m["target_id"], m["change"]) for m in view["mappings"]} == {
        ("nist-ai-rmf", "MEASURE 2.10", "changed"),
        ("mitre-atlas", "AML.M0016", "added"),
        ("mitre-atlas", "AML.M0013", "removed"),
    }
    text = to_markdown(changes, new)
    assert "## Mapping changes (3)" in text and "| nist-ai-rmf | Data Privacy | MEASURE 2.10 | changed |" in text
    # An edition that shows only some frameworks lists only their changes.
    only_nist = dataclasses.replace(new, mappings=new.mappings[:1])
    assert {m.framework for m in compare(old, only_nist).mappings} == {"nist-ai-rmf"}


def test_docs_changes_page_says_no_mapping_changed(build_dir):
    page = (build_dir / "docs" / "changes.md").read_text(encoding="utf-8")
    assert "## Mappings to other frameworks" in page
    assert "No mapping changed: every domain keeps its targets and relationships in NIST AI RMF," in page


def test_the_readme_counts_each_framework_and_relationship_and_says_informative(framework):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "**These mappings are this project's informative reading**" in readme
    table = readme.split("<!-- mapping-counts -->")[1].split("<!-- /mapping-counts -->")[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.strip().splitlines()[2:]]
    assert len(rows) == len(framework.mappings)
    for row, walk in zip(rows, framework.mappings, strict=True):
        assert row[0].startswith(walk.reference.short_name) and row[1] == walk.reference.version
        assert [int(n) for n in row[2:7]] == [sum(m.relationship == r for m in walk.maps) for r in RELATIONSHIPS]
        assert row[7]

"""The CISO Assistant library: the workbook against the documented layout, the YAML against the data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.edition import Edition, make_edition
from generator.model import CUSTOMER_PARTY
from generator.org.branding import Branding
from generator.org.profile import load_profile
from generator.pipeline import build
from generator.renderers.ciso_assistant import yaml_library
from generator.renderers.ciso_assistant.library import build_library, library_version
from generator.renderers.ciso_assistant.workbook import library_workbook
from generator.tables import customer_duty, provider_duty

PREFIX = "ai-security-responsibility"
EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"
LIBRARY_KEYS = [
    "type",
    "urn",
    "version",
    "locale",
    "ref_id",
    "name",
    "description",
    "copyright",
    "provider",
    "packager",
]
FRAMEWORK_KEYS = ["type", "urn", "ref_id", "name", "description", "base_urn", "implementation_groups_definition"]
CONTENT = ["assessable", "depth", "ref_id", "name", "description", "annotation", "importance", "implementation_groups"]


def pairs(ws) -> dict:
    """Read a _meta sheet as convert_library_v2 does: column A lower-cased keys, column B values."""
    return {str(a).strip().lower(): b for a, b in ws.iter_rows(min_row=1, max_col=2, values_only=True) if a}


def table(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def customer_cells(fw):
    return [c for c in fw.cells if CUSTOMER_PARTY in fw.level(c.level_id).owners]


@pytest.fixture(scope="module")
def ciso_dir(tmp_path_factory, framework) -> Path:
    out = tmp_path_factory.mktemp("ciso")
    build(Edition(framework, only=("ciso",)), out)
    return out


def test_version_rule():
    assert library_version("1.1.0") == 10100
    assert library_version("1.0.0") == 10000
    assert library_version("2.13.4") == 21304


def test_workbook_has_the_documented_layout(ciso_dir, framework):
    wb = openpyxl.load_workbook(ciso_dir / f"{PREFIX}-ciso-assistant.xlsx")
    assert wb.sheetnames == [
        "library_meta",
        "framework_meta",
        "framework_content",
        "implementation_groups_meta",
        "implementation_groups_content",
    ]
    meta = pairs(wb["library_meta"])
    assert list(meta)[: len(LIBRARY_KEYS)] == LIBRARY_KEYS
    assert meta["type"] == "library" and int(meta["version"]) == 10100
    assert meta["urn"] == "urn:ai-srm-generator:risk:library:ai-security-shared-responsibility"
    assert meta["urn"] == meta["urn"].lower() and framework.info.version not in meta["ref_id"]
    fw_meta = pairs(wb["framework_meta"])
    assert list(fw_meta) == FRAMEWORK_KEYS
    assert fw_meta["type"] == "framework"
    assert fw_meta["urn"] == "urn:ai-srm-generator:risk:framework:ai-security-shared-responsibility"
    assert fw_meta["implementation_groups_definition"] == "implementation_groups"
    assert pairs(wb["implementation_groups_meta"]) == {"type": "implementation_groups", "name": "implementation_groups"}
    groups = table(wb["implementation_groups_content"])
    assert [g["ref_id"] for g in groups] == [m.id for m in framework.models]
    assert [g["name"] for g in groups] == [m.name for m in framework.models]
    content = wb["framework_content"]
    assert [c.value for c in content[1]] == CONTENT
    rows = table(content)
    domains = [r for r in rows if r["depth"] == 1]
    requirements = [r for r in rows if r["depth"] == 2]
    assert [r["ref_id"] for r in domains] == [d.id for d in framework.domains]
    assert all(r["assessable"] is None for r in domains) and all(r["assessable"] == "x" for r in requirements)
    cells = customer_cells(framework)
    assert [r["ref_id"] for r in requirements] == [c.id for c in cells]
    for row, cell in zip(requirements, cells, strict=True):
        assert row["description"] == customer_duty(framework, cell)
        assert provider_duty(framework, cell) in row["annotation"]
        assert row["importance"] == ("mandatory" if cell.critical else "recommended")
        assert row["implementation_groups"] == cell.model_id
    for ws in wb:
        for row in ws.iter_rows():
            assert not any(c.data_type == "f" for c in row), ws.title


def test_yaml_has_the_converter_structure_urns_and_counts(ciso_dir, framework):
    library = yaml.safe_load((ciso_dir / f"{PREFIX}-ciso-assistant.yaml").read_text(encoding="utf-8"))
    assert list(library) == [
        "urn", "locale", "ref_id", "name", "description", "copyright", "version",
        "publication_date", "provider", "packager", "objects",
    ]  # fmt: skip
    assert library["version"] == 10100 and library["locale"] == "en"
    fw = library["objects"]["framework"]
    assert fw["urn"] == "urn:ai-srm-generator:risk:framework:ai-security-shared-responsibility"
    base = "urn:ai-srm-generator:risk:req_node:ai-security-shared-responsibility"
    groups = fw["implementation_groups_definition"]
    assert [g["ref_id"] for g in groups] == [m.id for m in framework.models] and len(groups) == 8
    nodes = fw["requirement_nodes"]
    depth1 = [n for n in nodes if n["depth"] == 1]
    assessable = [n for n in nodes if n["assessable"]]
    cells = customer_cells(framework)
    assert len(depth1) == 16 and len(assessable) == len(cells) and len(nodes) == 16 + len(cells)
    urns = [n["urn"] for n in nodes]
    assert len(set(urns)) == len(urns) and all(u == u.lower() and u.startswith(base + ":") for u in urns)
    parents = {n["urn"] for n in depth1}
    for node in assessable:
        assert node["parent_urn"] in parents
        assert node["parent_urn"] == f"{base}:{node['ref_id'].split('.')[0]}"
        assert node["implementation_groups"] == [node["ref_id"].split(".")[1]]
        assert node["importance"] in ("mandatory", "recommended")
    for group in groups:
        assert any(group["ref_id"] in n.get("implementation_groups", ()) for n in assessable)


def test_yaml_and_workbook_say_the_same(ciso_dir):
    wb = openpyxl.load_workbook(ciso_dir / f"{PREFIX}-ciso-assistant.xlsx")
    library = yaml.safe_load((ciso_dir / f"{PREFIX}-ciso-assistant.yaml").read_text(encoding="utf-8"))
    rows = table(wb["framework_content"])
    nodes = library["objects"]["framework"]["requirement_nodes"]
    for row, node in zip(rows, nodes, strict=True):
        assert (row["ref_id"], row["name"], row["description"], row["annotation"]) == (
            node["ref_id"], node["name"], node["description"], node["annotation"],
        )  # fmt: skip
    assert pairs(wb["library_meta"])["urn"] == library["urn"]


def test_organisation_edition_keeps_its_models_and_names(tmp_path, framework):
    profile = load_profile(EXAMPLE, framework)
    build(make_edition(framework, profile, only=["ciso"]), tmp_path)
    library = yaml.safe_load((tmp_path / "northwind-analytics-ciso-assistant.yaml").read_text(encoding="utf-8"))
    assert library["packager"] == "northwind-analytics"
    assert library["urn"] == "urn:northwind-analytics:risk:library:ai-security-shared-responsibility"
    assert profile.branding.organisation in library["name"]
    fw = library["objects"]["framework"]
    assert [g["ref_id"] for g in fw["implementation_groups_definition"]] == list(profile.models_in_use)
    agent = next(n for n in fw["requirement_nodes"] if n["ref_id"] == "agent-governance.agentic-ai")
    assert "Accountable role: AI Review Board." in agent["annotation"]


def test_formula_like_text_stays_text(framework):
    first = framework.domains[0]
    evil = replace(framework, domains=(replace(first, name='=HYPERLINK("http://x")'), *framework.domains[1:]))
    wb = library_workbook(build_library(evil, Branding(organisation="@SUM(A1)", file_prefix="evil")))
    cell = next(c for c in wb["framework_content"]["D"] if c.value == evil.domains[0].name)
    assert cell.data_type == "s" and cell.quotePrefix
    name = wb["library_meta"]["B6"]
    assert name.value.startswith("AI Security Shared Responsibility Model (@SUM(A1) edition")
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)


TRICKY_TEXT = [
    "Acme: AI & Co. #1",
    "- leading dash",
    "@handle",
    "'quoted' and \"double\"",
    "yes",
    "null",
    "1.10",
    "Café Münster \u2014 \u201cAI\u201d \u2605",
    "a long name that goes on " * 8,
    "line one\nline two",
    "  padded  ",
    "x" * 300,
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_libyamls_emitter_writes_what_pyyamls_own_would(framework, text):
    """The library YAML is written with libyaml's emitter for speed; its text must be PyYAML's own, byte for byte."""
    first = framework.domains[0]
    edited = replace(framework, domains=(replace(first, description=text), *framework.domains[1:]))
    document = yaml_library.library_document(build_library(edited, Branding(organisation=text.strip()[:60])))
    fast = yaml_library.dump(document, yaml_library.DUMPER)
    assert yaml_library.DUMPER is yaml.CSafeDumper  # the pinned PyYAML wheel carries libyaml
    assert fast == yaml_library.dump(document, yaml.SafeDumper)
    assert yaml.safe_load(fast) == document


YAML_CHARACTERS = " aZ09:#-@'\"\n\t{}[],&*!|>%?.\\\u00e9\u2014\u201c\u2605\u00a0\u2028"
YAML_TEXT = st.text(st.sampled_from(list(YAML_CHARACTERS)), max_size=200)


@settings(max_examples=300, deadline=None)
@given(st.lists(YAML_TEXT, min_size=1, max_size=4))
def test_both_emitters_agree_on_any_text(texts):
    document = {"list": texts, "mapping": {text[:10] or "-": text for text in texts}}
    assert yaml_library.dump(document, yaml.CSafeDumper) == yaml_library.dump(document, yaml.SafeDumper)

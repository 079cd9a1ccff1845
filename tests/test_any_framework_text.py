"""The text formats of the test-only per-party framework (tri-party-demo): Markdown, framework.json, OSCAL
and the CISO Assistant library each carry every party's level of every cell, the critical marks, the
axis and party names, and its components; the changes between two versions compare each party's level."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from trestle.oscal.catalog import Catalog
from trestle.oscal.component import ComponentDefinition

from generator.changes import compare
from generator.edition import make_edition
from generator.pipeline import build
from generator.renderers.oscal.common import NS
from generator.tables import customer_duty, provider_duty
from tests.test_any_framework import CRITICAL, EXPECTED, PARTY_NAMES

FORMATS = ("markdown", "json", "oscal", "ciso")
CARRY = {"Leads", "Assists"}  # the fixture's levels whose holder carries the cell
DEFAULT_WORDS = re.compile(r"security domain|deployment model|provider|customer|shared", re.IGNORECASE)


@pytest.fixture(scope="module")
def out(tmp_path_factory, tri_framework) -> Path:
    """The text formats of the fixture, built once."""
    target = tmp_path_factory.mktemp("tri-text")
    build(make_edition(tri_framework, only=FORMATS), target)
    return target


def one(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


# --- framework.json ---------------------------------------------------------


def test_framework_json_reads_back_every_party_level_and_the_components(out, tri_framework):
    document = json.loads((out / "framework.json").read_text())
    labels = {v["id"]: v["label"] for v in document["info"]["levels"]}
    found = {
        (c["domain_id"], c["model_id"]): {p: labels[v] for p, v in c["party_levels"].items()} for c in document["cells"]
    }
    assert found == EXPECTED
    assert all(c["level_id"] is None for c in document["cells"])
    assert {(c["domain_id"], c["model_id"]) for c in document["cells"] if c["critical"]} == CRITICAL
    info = document["info"]
    assert {p["id"]: p["name"] for p in info["parties"]} == PARTY_NAMES
    assert (info["axes"]["rows"]["name"], info["axes"]["columns"]["name"]) == ("Layer", "Operating model")
    assert (info["audience"], info["cell_values"]) == ("tenant", "per-party")
    components = document["components"]
    assert [p["name"] for p in components["parties"]] == ["Auditor", "Regulator"]
    assert components["tables"]["runtime"][0] == {
        "name": "Incident reports",
        "values": {"auditor": "support", "regulator": "responsible"},
    }


# --- Markdown -----------------------------------------------------------------


def table(text: str, header_start: str) -> list[list[str]]:
    """Return the rows (cells stripped) of the Markdown table whose header line starts with `header_start`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return [rows[0], *rows[2:]]


def link_text(cell: str) -> str:
    return re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", cell)


def party_cell(text: str) -> tuple[dict[str, str], bool]:
    """Read "Tenant: Leads<br>Host: Assists<br>Vendor: Uninvolved !" back as {party id: label} and critical."""
    critical = text.endswith(" !")
    ids = {name: pid for pid, name in PARTY_NAMES.items()}
    pairs = [part.split(": ") for part in text.removesuffix(" !").split("<br>")]
    return {ids[name]: label for name, label in pairs}, critical


def test_markdown_matrix_page_shows_every_party_level_under_the_axis_names(out, tri_framework):
    text = (out / "docs" / "responsibility-matrix.md").read_text()
    header, *rows = table(text, "| # |")
    assert [link_text(h) for h in header] == ["#", "Layer", "Dedicated", "Pooled"]
    names = {d.name: d.id for d in tri_framework.domains}
    found, critical = {}, set()
    for row in rows:
        domain = names[link_text(row[1]).removesuffix(" ★")]
        for model, cell in zip(("dedicated", "pooled"), row[2:], strict=True):
            found[domain, model], marked = party_cell(cell)
            if marked:
                critical.add((domain, model))
    assert found == EXPECTED and critical == CRITICAL
    assert "Who owns each of the 3 layers in each of the 2 operating models" in text
    assert 'What "Shared" means' not in text  # no shared split in this framework


def test_markdown_column_pages_read_back_each_party_and_count_its_levels(out, tri_framework):
    for dm in tri_framework.models:
        text = (out / "docs" / "models" / f"{dm.id}.md").read_text()
        header, *rows = table(text, "| # |")
        assert header == ["#", "Layer", "Responsibility", "What the tenant does"]
        assert len(rows) == len(tri_framework.domains)
        for domain, row in zip(tri_framework.domains, rows, strict=True):
            assert party_cell(row[2]) == (EXPECTED[domain.id, dm.id], (domain.id, dm.id) in CRITICAL)
            assert row[3] == customer_duty(tri_framework, tri_framework.cell(domain.id, dm.id))
        for pid, name in PARTY_NAMES.items():
            counts = {
                label: sum(1 for d in tri_framework.domains if EXPECTED[d.id, dm.id][pid] == label)
                for label in ("Leads", "Assists", "Audits", "Uninvolved")
            }
            line = " · ".join(f"{label}: {n}" for label, n in counts.items())
            assert f"- {name}: {line}\n" in text


def test_markdown_obligations_page_lists_the_audiences_cells(out):
    text = (out / "docs" / "obligations.md").read_text()
    assert text.startswith("# Tenant obligations\n")
    assert (
        "Every responsibility the tenant organisation carries, as Leads or Assists, in the 2 operating models" in text
    )
    carried = sorted(key for key, parties in EXPECTED.items() if parties["tenant"] in CARRY)
    found = []
    for model in ("Dedicated hosting", "Pooled hosting"):
        section = text.split(f"## {model}\n", 1)[1]
        header, *rows = table(section, "| # |")
        assert header[:3] == ["#", "Layer", "Level"]
        found += [(row[1], party_cell(row[2])[0]["tenant"]) for row in rows]
    assert sorted(found) == sorted(
        (f"[Usage layer](security-domains.md#{d})", EXPECTED[d, m]["tenant"]) for d, m in carried
    )


def test_markdown_components_page_is_linked_and_reads_back(out, tri_framework):
    docs = out / "docs"
    assert "- [Components by party](components.md)" in (docs / "index.md").read_text()
    text = (docs / "components.md").read_text()
    comp = tri_framework.components
    for domain_id, components in comp.tables.items():
        section = text.split(f"## {tri_framework.domain(domain_id).number}. ", 1)[1]
        header, *rows = table(section, "| Component |")
        assert header == ["Component", "Auditor", "Regulator"]
        expected = [[c.name, *(comp.level(c.values[p.id]).label for p in comp.parties)] for c in components]
        assert rows == expected


def test_markdown_pages_use_the_frameworks_own_words(out):
    docs = out / "docs"
    index = (docs / "index.md").read_text()
    assert "## Operating models\n" in index and "## Layers\n" in index
    assert "**2 operating models** and **3 layers**" in index
    assert "| Control owner | [Tenant obligations](obligations.md) | every Leads and Assists responsibility" in index
    assert (docs / "deployment-models.md").read_text().startswith("# Operating models\n")
    assert "between tenant, host and vendor" in (docs / "deployment-models.md").read_text()
    assert (docs / "security-domains.md").read_text().startswith("# Layers\n")
    assert "| Operating model | Responsibility | Example |" in (docs / "security-domains.md").read_text()
    for page in docs.rglob("*.md"):
        words = re.sub(r"\]\([^)]*\)", "]", page.read_text())  # link targets keep the default's file names
        assert not DEFAULT_WORDS.search(words), (page.name, DEFAULT_WORDS.search(words))
    for empty in ("**Examples**", "**Risk**", "**Key characteristics**", "**Security considerations**"):
        assert empty not in (docs / "deployment-models.md").read_text()


# --- OSCAL ----------------------------------------------------------------------


def ours(props, name: str) -> list[tuple[str, str | None]]:
    return [(p.value, p.class_) for p in props or () if p.name == name and str(p.ns) == NS]


def test_oscal_catalog_has_a_party_level_prop_per_party(out, tri_framework):
    catalog = Catalog.oscal_read(one(out, "*oscal-catalog.json"))
    labels = {v.id: v.label for v in tri_framework.info.levels}
    found, critical = {}, set()
    for group in catalog.groups:
        for control in group.controls:
            domain, model = control.id.split(".")
            levels = {party: labels[value] for value, party in ours(control.props, "party-level")}
            assert levels == {party: label for label, party in ours(control.props, "party-level-label")}
            assert ours(control.props, "responsibility") == []
            found[domain, model] = levels
            if ours(control.props, "critical-focus") == [("yes", None)]:
                critical.add((domain, model))
            statement = next(p for p in control.parts if p.name == "statement").prose
            said = "; ".join(f"{PARTY_NAMES[p]}: {label}" for p, label in EXPECTED[domain, model].items())
            assert statement == f"Responsibility in this operating model: {said}."
            duties = {p.name: p.prose for p in next(p for p in control.parts if p.name == "guidance").parts}
            cell = tri_framework.cell(domain, model)
            assert duties == {
                "tenant-duty": customer_duty(tri_framework, cell),
                "host-duty": provider_duty(tri_framework, cell, "host"),
                "vendor-duty": provider_duty(tri_framework, cell, "vendor"),
            }
    assert found == EXPECTED and critical == CRITICAL


def test_oscal_component_definition_names_every_party_that_carries_a_cell(out, tri_framework):
    definition = ComponentDefinition.oscal_read(one(out, "*oscal-component-definition.json"))
    role_ids = [r.id for r in definition.metadata.roles]
    assert role_ids == ["creator", "tenant", "host", "vendor", "owner", "ops"]
    assert {r.id: r.title for r in definition.metadata.roles if r.id in PARTY_NAMES} == PARTY_NAMES
    seen = set()
    for component in definition.components:
        for req in component.control_implementations[0].implemented_requirements:
            domain, model = req.control_id.split(".")
            seen.add((domain, model))
            cell = tri_framework.cell(domain, model)
            roles = {r.role_id: r.remarks for r in req.responsible_roles or ()}
            carriers = [p for p, label in EXPECTED[domain, model].items() if label in CARRY]
            expected = {
                p: customer_duty(tri_framework, cell) if p == "tenant" else provider_duty(tri_framework, cell, p)
                for p in carriers
            }
            if "tenant" in carriers:  # the audience's share: its RACI roles for the layer
                expected |= {r: roles[r] for r in ("owner", "ops") if r in roles}
                assert {"owner", "ops"} & set(roles)
            assert roles == expected
            assert dict((p, v) for v, p in ours(req.props, "party-level-label")) == EXPECTED[domain, model]
    assert seen == set(EXPECTED)


def test_trestle_validates_the_fixtures_oscal(out, tmp_path):
    trestle = Path(sys.executable).with_name("trestle")
    subprocess.run([str(trestle), "init"], cwd=tmp_path, check=True, capture_output=True)
    for folder, name, pattern in (
        ("catalogs", "catalog", "*oscal-catalog.json"),
        ("component-definitions", "component-definition", "*oscal-component-definition.json"),
    ):
        target = tmp_path / folder / "tri" / f"{name}.json"
        target.parent.mkdir(parents=True)
        shutil.copy(one(out, pattern), target)
        result = subprocess.run(
            [str(trestle), "validate", "-f", str(target)], cwd=tmp_path, capture_output=True, text=True
        )
        assert result.returncode == 0 and "VALID" in result.stdout, result.stdout + result.stderr


# --- CISO Assistant ---------------------------------------------------------------


def test_ciso_library_has_the_audiences_obligations_and_every_party_level(out, tri_framework):
    document = yaml.safe_load(one(out, "*ciso-assistant.yaml").read_text())
    nodes = document["objects"]["framework"]["requirement_nodes"]
    domains = {n["ref_id"]: n for n in nodes if n["depth"] == 1}
    assert list(domains) == ["usage", "runtime", "model-core"]
    found, critical = {}, set()
    models = {m.name: m.id for m in tri_framework.models}
    for domain_id, node in domains.items():
        kind, *lines = node["annotation"].split("\n")
        assert kind.startswith(("Traditional layer. Focus: ", "AI-specific layer. Focus: "))
        for line in lines:
            model_name, cell = line.split(": ", 1)
            levels, marked = party_cell(cell.replace("; ", "<br>"))
            found[domain_id, models[model_name]] = levels
            if marked:
                critical.add((domain_id, models[model_name]))
    assert found == EXPECTED and critical == CRITICAL
    requirements = {n["ref_id"]: n for n in nodes if n["depth"] == 2}
    carried = {f"{d}.{m}" for (d, m), parties in EXPECTED.items() if parties["tenant"] in CARRY}
    assert set(requirements) == carried
    for ref_id, node in requirements.items():
        domain, model = ref_id.split(".")
        cell = tri_framework.cell(domain, model)
        assert node["name"] == f"{tri_framework.model(model).name} ({EXPECTED[domain, model]['tenant']})"
        assert node["description"] == customer_duty(tri_framework, cell)
        notes = node["annotation"].split("\n")
        assert notes[:2] == [
            f"Host: {provider_duty(tri_framework, cell, 'host')}",
            f"Vendor: {provider_duty(tri_framework, cell, 'vendor')}",
        ]
        assert node["importance"] == ("mandatory" if (domain, model) in CRITICAL else "recommended")


# --- changes --------------------------------------------------------------------


def test_changes_compare_each_partys_level(tri_framework, tmp_path):
    cell = tri_framework.cell("runtime", "pooled")
    moved = replace(cell, party_levels={**cell.party_levels, "vendor": "assists"})
    newer = replace(
        tri_framework,
        info=replace(tri_framework.info, version="1.1.0"),
        cells=tuple(moved if c.id == cell.id else c for c in tri_framework.cells),
    )
    changes = compare(tri_framework, newer)
    assert [(c.cell_id, c.before, c.after) for c in changes.cells] == [
        (
            "runtime.pooled",
            "Tenant: Uninvolved; Host: Leads; Vendor: Uninvolved!",
            "Tenant: Uninvolved; Host: Leads; Vendor: Assists!",
        )
    ]
    assert compare(tri_framework, tri_framework).cells == ()
    build(make_edition(newer, only=("markdown",), previous=tri_framework), tmp_path)
    page = (tmp_path / "docs" / "changes.md").read_text()
    header, *rows = table(page, "| Cell id |")
    assert header[:3] == ["Cell id", "Layer", "Operating model"]
    assert [row[3:] for row in rows] == [
        ["Tenant: Uninvolved; Host: Leads; Vendor: Uninvolved!", "Tenant: Uninvolved; Host: Leads; Vendor: Assists!"]
    ]
    assert "## Operating models and layers" in page

"""The OSCAL catalog and component definition: valid for compliance-trestle, reproducible, every cell read back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import trestle.oscal
from trestle.oscal.catalog import Catalog
from trestle.oscal.component import ComponentDefinition

from generator.edition import Edition, make_edition
from generator.model import CUSTOMER_PARTY, PROVIDER_PARTY
from generator.org.profile import load_profile
from generator.pipeline import build
from generator.renderers.oscal.common import NS, OSCAL_VERSION
from generator.tables import customer_duty, provider_duty

PREFIX = "ai-security-responsibility"
CATALOG = f"{PREFIX}-oscal-catalog.json"
COMPONENTS = f"{PREFIX}-oscal-component-definition.json"
EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"


def ours(props, name: str) -> list[str]:
    return [p.value for p in props or () if p.name == name and str(p.ns) == NS]


@pytest.fixture(scope="module")
def oscal_dir(tmp_path_factory, framework) -> Path:
    out = tmp_path_factory.mktemp("oscal")
    build(Edition(framework, only=("oscal",)), out)
    return out


def test_trestle_validate_accepts_both_files(oscal_dir, tmp_path):
    trestle = Path(sys.executable).with_name("trestle")
    subprocess.run([str(trestle), "init"], cwd=tmp_path, check=True, capture_output=True)
    for folder, name, file in (
        ("catalogs", "catalog", CATALOG),
        ("component-definitions", "component-definition", COMPONENTS),
    ):
        target = tmp_path / folder / "aisrm" / f"{name}.json"
        target.parent.mkdir(parents=True)
        shutil.copy(oscal_dir / file, target)
        result = subprocess.run(
            [str(trestle), "validate", "-f", str(target)], cwd=tmp_path, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "VALID" in result.stdout


def test_catalog_groups_domains_and_reads_back_every_cell(oscal_dir, framework):
    catalog = Catalog.oscal_read(oscal_dir / CATALOG)
    assert catalog.metadata.version == framework.info.version
    assert json.loads((oscal_dir / CATALOG).read_text())["catalog"]["metadata"]["oscal-version"] == OSCAL_VERSION
    assert OSCAL_VERSION == trestle.oscal.OSCAL_VERSION  # the newest trestle supports
    assert catalog.metadata.last_modified.date().isoformat() == framework.info.release_date
    assert ours(catalog.metadata.props, "licence") == [framework.info.licence]
    resource = catalog.back_matter.resources[0]
    assert resource.rlinks[0].href == framework.info.source_url
    assert catalog.metadata.links[0].href == f"#{resource.uuid}"
    assert [g.id for g in catalog.groups] == [d.id for d in framework.domains]
    seen = 0
    for group, domain in zip(catalog.groups, framework.domains, strict=True):
        assert group.title == domain.name
        assert ours(group.props, "ai-specific") == ["yes" if domain.ai_specific else "no"]
        assert group.class_ == domain.kind
        for control in group.controls:
            cell = framework.cell(domain.id, control.id.split(".", 1)[1])
            assert control.id == cell.id
            assert ours(control.props, "responsibility") == [cell.level_id]
            assert ours(control.props, "critical-focus") == ["yes" if cell.critical else "no"]
            assert ours(control.props, "ai-specific") == ["yes" if domain.ai_specific else "no"]
            guidance = next(p for p in control.parts if p.name == "guidance")
            prose = {p.name: p.prose for p in guidance.parts}
            assert prose["customer-duty"] == customer_duty(framework, cell)
            assert prose["provider-duty"] == provider_duty(framework, cell)
            seen += 1
    assert seen == len(framework.cells) == 128
    kinds = {g.class_ for g in catalog.groups}
    assert kinds == {"traditional", "ai-specific"}


def test_component_definition_reads_back_every_cells_roles(oscal_dir, framework):
    definition = ComponentDefinition.oscal_read(oscal_dir / COMPONENTS)
    role_ids = [r.id for r in definition.metadata.roles]
    assert {PROVIDER_PARTY, CUSTOMER_PARTY} <= set(role_ids)
    assert {r.id for r in framework.roles} <= set(role_ids)
    assert [c.title for c in definition.components] == [m.name for m in framework.models]
    parties = {PROVIDER_PARTY, CUSTOMER_PARTY}
    seen = 0
    for component, dm in zip(definition.components, framework.models, strict=True):
        assert ours(component.props, "deployment-model") == [dm.id]
        (implementation,) = component.control_implementations
        assert implementation.source == f"./{CATALOG}"
        for requirement in implementation.implemented_requirements:
            cell = framework.cell(requirement.control_id.split(".", 1)[0], dm.id)
            level = framework.level(cell.level_id)
            assert ours(requirement.props, "responsibility") == [cell.level_id]
            roles = {r.role_id: r for r in requirement.responsible_roles or ()}
            assert {r for r in roles if r in parties} == set(level.owners)
            if PROVIDER_PARTY in roles:
                assert roles[PROVIDER_PARTY].remarks == provider_duty(framework, cell)
            if CUSTOMER_PARTY in roles:
                assert roles[CUSTOMER_PARTY].remarks == customer_duty(framework, cell)
                row = next(r for r in framework.raci if r.domain_id == cell.domain_id)
                assert ours(roles[row.accountable].props, "raci") == ["A"]
            seen += 1
    assert seen == 128
    shared = [c for c in framework.cells if c.level_id == "shared"]
    assert shared, "the data has Shared cells, which carry both parties"


def test_two_builds_give_the_same_bytes_and_uuids_follow_content(tmp_path, framework, monkeypatch):
    build(Edition(framework, only=("oscal",)), tmp_path / "a")
    build(Edition(framework, only=("oscal",)), tmp_path / "b")
    for name in (CATALOG, COMPONENTS):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(Edition(framework, only=("oscal",)), tmp_path / "c")
    first, later = (json.loads((tmp_path / d / CATALOG).read_text())["catalog"] for d in ("a", "c"))
    assert later["metadata"]["last-modified"] == "2023-11-14T22:13:20Z"
    assert later["uuid"] == first["uuid"]  # the build time is not content
    scoped = framework.restricted_to(("saas-ai",))
    build(Edition(scoped, only=("oscal",)), tmp_path / "d")
    other = json.loads((tmp_path / "d" / CATALOG).read_text())["catalog"]
    assert other["uuid"] != first["uuid"]
    control = other["groups"][0]["controls"][0]
    assert control["id"] == first["groups"][0]["controls"][0]["id"]  # ids are stable across editions


def test_organisation_edition_has_its_models_and_role_names(tmp_path, framework):
    profile = load_profile(EXAMPLE, framework)
    build(make_edition(framework, profile, only=["oscal"]), tmp_path)
    prefix = profile.branding.file_prefix
    catalog = Catalog.oscal_read(tmp_path / f"{prefix}-oscal-catalog.json")
    assert profile.branding.organisation in catalog.metadata.title
    models = {ours(c.props, "deployment-model")[0] for g in catalog.groups for c in g.controls}
    assert models == set(profile.models_in_use)
    definition = ComponentDefinition.oscal_read(tmp_path / f"{prefix}-oscal-component-definition.json")
    assert len(definition.components) == len(profile.models_in_use)
    titles = {r.id: r.title for r in definition.metadata.roles}
    assert titles["security-leadership"] == "Office of the CISO"
    assert titles["ai-review-board"] == "AI Review Board"
    assert "procurement-vendor" not in titles
    agentic = next(c for c in definition.components if ours(c.props, "deployment-model") == ["agentic-ai"])
    requirement = next(
        r
        for r in agentic.control_implementations[0].implemented_requirements
        if r.control_id.startswith("agent-governance.")
    )
    roles = {r.role_id: ours(r.props, "raci") for r in requirement.responsible_roles}
    assert roles["ai-review-board"] == ["A"]

"""OSCAL mapping collections: valid for compliance-trestle and NIST's schema, every map read back, uuids stable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from trestle.oscal.mapping import MappingCollection

from generator.edition import Edition
from generator.pipeline import build
from generator.renderers.oscal.common import NS

SCHEMA = Path(__file__).parent / "fixtures" / "oscal" / "oscal_mapping_schema.json"
FRAMEWORKS = ("nist-ai-rmf", "iso-iec-42001", "eu-ai-act", "owasp-llm-top-10", "mitre-atlas")


@pytest.fixture(scope="module")
def oscal_dir(tmp_path_factory, framework) -> Path:
    out = tmp_path_factory.mktemp("oscal")
    build(Edition(framework, only=("oscal",)), out)
    return out


def nist_validator() -> jsonschema.Draft7Validator:
    # NIST's token pattern uses Unicode classes Python's `re` lacks: letters and digits in re's terms.
    text = SCHEMA.read_text(encoding="utf-8").replace(r"\\p{L}", r"[^\\W\\d_]").replace(r"\\p{N}", r"\\d")
    return jsonschema.Draft7Validator(json.loads(text), format_checker=jsonschema.FormatChecker())


def test_one_collection_per_framework(oscal_dir, framework):
    assert sorted(p.name for p in (oscal_dir / "oscal-mappings").iterdir()) == sorted(f"{f}.json" for f in FRAMEWORKS)


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_valid_for_nist_schema_and_trestle_model(oscal_dir, name):
    path = oscal_dir / "oscal-mappings" / f"{name}.json"
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in nist_validator().iter_errors(json.loads(path.read_text()))
    ]
    assert errors == []
    collection = MappingCollection.oscal_read(path)
    assert collection.metadata.oscal_version.root.root == "1.2.1"


def test_nist_schema_check_can_fail(oscal_dir):
    document = json.loads((oscal_dir / "oscal-mappings" / "mitre-atlas.json").read_text())
    document["mapping-collection"]["mappings"][0]["maps"][0]["sources"][0]["type"] = "group"
    assert list(nist_validator().iter_errors(document))


def test_trestle_validate_accepts_every_collection(oscal_dir, tmp_path):
    trestle = Path(sys.executable).with_name("trestle")
    subprocess.run([str(trestle), "init"], cwd=tmp_path, check=True, capture_output=True)
    for name in FRAMEWORKS:
        target = tmp_path / "mapping-collections" / name / "mapping-collection.json"
        target.parent.mkdir(parents=True)
        shutil.copy(oscal_dir / "oscal-mappings" / f"{name}.json", target)
        result = subprocess.run(
            [str(trestle), "validate", "-f", str(target)], cwd=tmp_path, capture_output=True, text=True
        )
        assert result.returncode == 0 and "VALID" in result.stdout, result.stdout + result.stderr


def test_maps_read_back_equal_to_the_data(oscal_dir, framework):
    for walk in framework.mappings:
        collection = MappingCollection.oscal_read(oscal_dir / "oscal-mappings" / f"{walk.reference.id}.json")
        mapping = collection.mappings[0] if isinstance(collection.mappings, list) else collection.mappings
        assert mapping.source_resource.href == "../ai-security-responsibility-oscal-catalog.json"
        read = []
        for m in mapping.maps:
            (domain,) = [p.value for p in m.props if p.name == "domain" and str(p.ns) == NS]
            assert {s.id_ref for s in m.sources} == {c.id for c in framework.cells_for_domain(domain)}
            read.append((domain, m.targets[0].id_ref, m.targets[0].remarks, m.relationship, m.remarks))
        expected = [
            (x.domain_id, x.target.id, x.target.title, x.relationship, x.rationale) for x in walk.maps if x.target
        ]
        assert read == expected
        unmapped = {x.domain_id for x in walk.maps if x.target is None}
        gaps = mapping.source_gap_summary.unmapped_controls if mapping.source_gap_summary else []
        assert {g.matching[0].pattern.removesuffix(".*") for g in gaps} == unmapped


def test_uuids_are_stable_and_the_build_time_only_changes_the_date(framework, tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    build(Edition(framework, only=("oscal",)), first)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2031, 1, 2, tzinfo=UTC).timestamp())))
    build(Edition(framework, only=("oscal",)), second)
    for name in FRAMEWORKS:
        a = json.loads((first / "oscal-mappings" / f"{name}.json").read_text())["mapping-collection"]
        b = json.loads((second / "oscal-mappings" / f"{name}.json").read_text())["mapping-collection"]
        assert a["uuid"] == b["uuid"] and a["metadata"]["last-modified"] != b["metadata"]["last-modified"]
        assert [m["uuid"] for m in a["mappings"][0]["maps"]] == [m["uuid"] for m in b["mappings"][0]["maps"]]

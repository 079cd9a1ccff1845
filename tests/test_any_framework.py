"""Any framework from data alone: the test-only tri-party-demo (3 layers x 2 operating models, three
parties, a level per party in each cell, its own vocabulary, marker and component tables) loads, and
every format renders it with its values readable back; the default framework is unchanged."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from generator import renderers
from generator.changes import changes_view, compare, to_markdown
from generator.cli import main
from generator.model import DEFAULT_FRAMEWORK
from generator.problems import InputError
from generator.source.load import load_framework
from tests.conftest import TRI

# Every (layer, operating model, party) -> level label of the fixture's matrix.yaml, written out by hand.
EXPECTED = {
    ("usage", "dedicated"): {"tenant": "Leads", "host": "Assists", "vendor": "Uninvolved"},
    ("usage", "pooled"): {"tenant": "Leads", "host": "Assists", "vendor": "Uninvolved"},
    ("runtime", "dedicated"): {"tenant": "Audits", "host": "Leads", "vendor": "Assists"},
    ("runtime", "pooled"): {"tenant": "Uninvolved", "host": "Leads", "vendor": "Uninvolved"},
    ("model-core", "dedicated"): {"tenant": "Uninvolved", "host": "Assists", "vendor": "Leads"},
    ("model-core", "pooled"): {"tenant": "Audits", "host": "Assists", "vendor": "Leads"},
}
CRITICAL = {("usage", "dedicated"), ("runtime", "pooled")}
PARTY_NAMES = {"tenant": "Tenant", "host": "Host", "vendor": "Vendor"}


def test_the_fixture_loads_with_a_level_per_party(tri_framework):
    fw = tri_framework
    assert fw.info.id == TRI and fw.info.per_party
    assert [d.id for d in fw.domains] == ["usage", "runtime", "model-core"]
    assert [m.id for m in fw.models] == ["dedicated", "pooled"]
    found = {(c.domain_id, c.model_id): {p.id: level.label for p, level in fw.values(c) if p} for c in fw.cells}
    assert found == EXPECTED
    assert {(c.domain_id, c.model_id) for c in fw.cells if c.critical} == CRITICAL
    assert fw.owners(fw.cell("runtime", "dedicated")) == ("host", "vendor")
    assert fw.cell_label(fw.cell("usage", "dedicated"), gap=" ") == "Tenant: Leads; Host: Assists; Vendor: Uninvolved !"
    assert [c.name for c in fw.components.tables["runtime"]] == ["Incident reports", "Capacity plans"]


def test_validate_checks_every_framework_and_version(tri_data, capsys):
    assert main(["--data", str(tri_data), "validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"ok: framework {DEFAULT_FRAMEWORK} 1.0.0: 8 deployment models, 16 security domains, 128 cells",
        f"ok: framework {DEFAULT_FRAMEWORK} 1.1.0: 8 deployment models, 16 security domains, 128 cells",
        f"ok: framework {TRI} 1.0.0: 2 operating models, 3 layers, 6 cells",
    ]


def test_an_unknown_framework_is_a_usage_error(tri_data, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["--data", str(tri_data), "--framework", "nope", "validate"])
    assert usage.value.code == 2
    assert f"framework nope not found; expected one of {DEFAULT_FRAMEWORK}, {TRI}" in capsys.readouterr().err


def test_a_per_party_matrix_names_each_mistake(tmp_path, tri_data):
    data = tmp_path / "data"
    shutil.copytree(tri_data / "frameworks" / TRI, data / "frameworks" / TRI)
    matrix = data / "frameworks" / TRI / "1.0.0" / "matrix.yaml"
    text = matrix.read_text(encoding="utf-8")
    text = text.replace("usage:      [Leads!, Leads]", "usage:      [Leeds, Leads]")  # tenant: an unknown level
    text = text.replace("runtime:    [Audits, Uninvolved]", "runtime:    [Uninvolved]", 1)  # tenant: a cell short
    text = text.replace("model-core: [Assists, Assists]", "model-core: [Audits, Assists]")  # host: a tenant-only level
    matrix.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as failed:
        load_framework(data, framework=TRI)
    found = [str(p) for p in failed.value.problems]
    assert any("by_party.tenant.usage[0]: found level 'Leeds' for dedicated, expected one of Leads" in p for p in found)
    assert any("by_party.tenant.runtime: found 1 cells, expected 2 (one per column)" in p for p in found)
    assert any("by_party.host.model-core[0]: 'Audits' is given only to tenant, not host" in p for p in found)
    assert all(p.startswith(str(matrix)) for p in found)


def test_the_folder_names_the_framework(tmp_path, tri_data):
    data = tmp_path / "data"
    shutil.copytree(tri_data / "frameworks" / TRI, data / "frameworks" / "other-name")
    with pytest.raises(InputError, match="id 'tri-party-demo' differs from its folder frameworks/other-name/"):
        load_framework(data, framework="other-name")


def test_a_profile_tailors_the_framework_it_names(tmp_path, tri_data, capsys):
    org = tmp_path / "orgs" / "acme"
    assert main(["--data", str(tri_data), "--framework", TRI, "init-org", str(org), "--name", "Acme Ltd"]) == 0
    assert f"\nframework: {TRI}\n" in (org / "org.yaml").read_text(encoding="utf-8")
    out = tmp_path / "out"
    assert main(["--data", str(tri_data), "build", "--org", str(org), "--out", str(out), "--only", "json"]) == 0
    document = json.loads((out / "acme-ltd" / "framework.json").read_text(encoding="utf-8"))
    assert document["info"]["id"] == TRI and len(document["cells"]) == 6
    # The default framework named on the command line does not fit this profile: refused, named, nothing built.
    args = ["--data", str(tri_data), "--framework", DEFAULT_FRAMEWORK, "build", "--org", str(org)]
    assert main([*args, "--out", str(tmp_path / "other"), "--only", "json"]) == 1
    assert f"framework: this profile tailors {TRI}, not {DEFAULT_FRAMEWORK}" in capsys.readouterr().err
    assert not (tmp_path / "other" / "acme-ltd").exists()


def test_the_framework_names_its_files(tmp_path, tri_data):
    out = tmp_path / "out"
    assert main(["--data", str(tri_data), "--framework", TRI, "build", "--out", str(out), "--only", "xlsx,json"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "framework.json",
        "manifest.json",
        "tri-party-demo-raci.xlsx",
    ]


def test_component_tables_name_each_mistake(tmp_path, tri_data):
    data = tmp_path / "data"
    shutil.copytree(tri_data / "frameworks" / TRI, data / "frameworks" / TRI)
    components = data / "frameworks" / TRI / "1.0.0" / "components.yaml"
    text = components.read_text(encoding="utf-8")
    text = text.replace("{auditor: responsible, regulator: not-involved}", "{auditor: responsible}")
    text = text.replace("{auditor: support, regulator: responsible}", "{auditor: support, regulator: leads}")
    text = text.replace("  runtime:\n", "  runtim:\n")
    components.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as failed:
        load_framework(data, framework=TRI)
    found = [str(p) for p in failed.value.problems]
    assert any("tables.usage[0].values: no value for party regulator; add one" in p for p in found)
    assert any(
        "tables.runtim[0].values.regulator: unknown level id 'leads'; expected one of responsible" in p for p in found
    )
    assert any("tables.runtim: unknown row id 'runtim'; expected one of usage, runtime, model-core" in p for p in found)


def test_every_format_builds_the_fixture(tri_build):
    manifest = json.loads((tri_build / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["formats"]) == set(renderers.by_name())
    assert {a["path"] for a in manifest["artifacts"]} >= {
        "tri-party-demo-policy.docx",
        "tri-party-demo-raci.xlsx",
        "tri-party-demo-poster.pdf",
        "tri-party-demo-explorer.html",
        "responsibilities.csv",
        "framework.json",
        "docs/components.md",
    }


# The default framework's structural words: a framework with its own axes and parties never shows them.
DEFAULT_WORDS = re.compile(r"deployment model|security domain|provider|customer", re.IGNORECASE)


def _explorer_texts(page: str) -> list[str]:
    """The explorer's visible texts: the page's text outside scripts and styles, the string values of its
    data and the string literals of its script (the texts the script shows; its identifiers are not text)."""
    texts = [re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))]
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S):
        if "application/json" in attributes:
            texts += _strings(json.loads(body))  # its values: the keys are the script's names, never shown
        else:
            texts += re.findall(r'"((?:[^"\\\n]|\\.)*)"', body)
    return texts


def _strings(value) -> list[str]:
    """Every string value inside parsed JSON."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _release_notes(tmp_path, tri_data) -> str:
    """The release notes and summary from 1.0.0 to a 1.1.0 with a changed cell and a renamed layer."""
    data = tmp_path / "data"
    shutil.copytree(tri_data / "frameworks" / TRI, data / "frameworks" / TRI)
    newer = data / "frameworks" / TRI / "1.1.0"
    shutil.copytree(newer.parent / "1.0.0", newer)
    for name, old, new in (
        ("framework.yaml", 'version: "1.0.0"', 'version: "1.1.0"'),
        ("domains.yaml", "name: Usage layer", "name: Use layer"),
        ("matrix.yaml", "usage:      [Uninvolved, Uninvolved]", "usage:      [Assists, Uninvolved]"),
    ):
        path = newer / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    old_fw, new_fw = (load_framework(data, version=v, framework=TRI) for v in ("1.0.0", "1.1.0"))
    changes = compare(old_fw, new_fw)
    assert changes.cells and changes.renamed  # the notes hold the cell table and the renamed list
    return to_markdown(changes, new_fw) + changes_view(changes, new_fw)["summary"]


def test_no_output_of_another_framework_uses_the_default_frameworks_words(tri_build, tri_data, tmp_path):
    import docx
    import openpyxl
    import pdfplumber

    texts = {str(p.relative_to(tri_build)): [p.read_text(encoding="utf-8")] for p in tri_build.glob("docs/**/*.md")}
    texts["explorer"] = _explorer_texts(next(tri_build.glob("*-explorer.html")).read_text(encoding="utf-8"))
    with pdfplumber.open(next(tri_build.glob("*-poster.pdf"))) as pdf:
        texts["poster"] = [page.extract_text() for page in pdf.pages]
    document = docx.Document(str(next(tri_build.glob("*-policy.docx"))))
    texts["policy"] = [p.text for p in document.paragraphs]
    texts["policy"] += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    about = openpyxl.load_workbook(next(tri_build.glob("*-raci.xlsx")))["About"]
    texts["workbook About"] = [str(v) for row in about.iter_rows(values_only=True) for v in row if v is not None]
    texts["release notes"] = [_release_notes(tmp_path, tri_data)]
    assert len(texts) == 14 and all(any(t.strip() for t in found) for found in texts.values())
    # No allow-list: page links such as security-domains.md are hyphenated and URLs name only the fixture.
    found = {where: sorted({m.lower() for t in ts for m in DEFAULT_WORDS.findall(t)}) for where, ts in texts.items()}
    assert {where: words for where, words in found.items() if words} == {}
    # The fixture's own words stand where the default's would: its axes and its parties.
    assert "Who owns security in each of 2 operating models, across 3 layers" in texts["poster"][0]
    assert "| Layer | Operating model | Before | After |" in texts["release notes"][0]
    assert "Host and vendor assurance" in texts["policy"]


def test_a_broken_framework_leaves_its_earlier_build_as_it_was(tmp_path, tri_data, capsys):
    data = tmp_path / "data"
    shutil.copytree(tri_data / "frameworks" / TRI, data / "frameworks" / TRI)
    out = tmp_path / "out"
    command = ["--data", str(data), "--framework", TRI, "build", "--out", str(out), "--only", "csv,json"]
    assert main(command) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    matrix = data / "frameworks" / TRI / "1.0.0" / "matrix.yaml"
    matrix.write_text(
        matrix.read_text(encoding="utf-8").replace("[Leads!, Leads]", "[Leads!, Leeds]"), encoding="utf-8"
    )
    assert main([*command, "--force"]) == 1
    err = capsys.readouterr().err
    assert f"{matrix}:" in err and "by_party.tenant.usage[1]: found level 'Leeds' for pooled" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before

"""The build (pipeline.py): manifest, exports, reproducibility and atomic replacement."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from generator.cli import main
from generator.edition import Edition
from generator.pipeline import BuildError, build
from generator.renderers import RENDERERS

ROOT = Path(__file__).resolve().parent.parent


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_manifest_lists_every_file_with_size_and_hash(build_dir, framework):
    manifest = json.loads((build_dir / "manifest.json").read_text())
    assert manifest["framework"] == {"id": framework.info.id, "version": "1.1.0"}
    assert manifest["generator"] == {"version": __version__}
    files = {k: v for k, v in tree(build_dir).items() if k != "manifest.json"}
    assert {a["path"] for a in manifest["artifacts"]} == set(files)
    for artifact in manifest["artifacts"]:
        data = files[artifact["path"]]
        assert artifact["size"] == len(data)
        assert artifact["sha256"] == hashlib.sha256(data).hexdigest()


def test_csv_has_one_row_per_cell(build_dir, framework):
    with (build_dir / "responsibilities.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 128
    assert list(rows[0]) == [
        "cell_id",
        "model_id",
        "model_name",
        "domain_number",
        "domain_id",
        "domain_name",
        "domain_kind",
        "level",
        "level_id",
        "critical_focus",
        "provider_does",
        "customer_does",
        "example",
        # then one column per mapped framework, at the end (the README's contract: new columns go last)
        "nist_ai_rmf_ids",
        "iso_iec_42001_ids",
        "eu_ai_act_ids",
        "owasp_llm_top_10_ids",
        "mitre_atlas_ids",
    ]
    assert len({r["cell_id"] for r in rows}) == 128
    for row, cell in zip(rows, framework.cells, strict=True):
        assert row["cell_id"] == cell.id
        assert row["level"] == framework.level(cell.level_id).label
        assert row["critical_focus"] == ("Yes" if cell.critical else "No")


def test_json_holds_the_whole_model(build_dir, framework):
    data = json.loads((build_dir / "framework.json").read_text(encoding="utf-8"))
    assert data["info"]["version"] == "1.1.0"
    assert [m["id"] for m in data["models"]] == [m.id for m in framework.models]
    assert len(data["domains"]) == 16 and len(data["roles"]) == len(framework.roles)
    cells = {c["id"]: c for c in data["cells"]}
    assert len(cells) == 128
    for cell in framework.cells:
        assert cells[cell.id]["level_id"] == cell.level_id
        assert cells[cell.id]["critical"] == cell.critical


def test_every_count_in_json_is_the_true_count(build_dir, framework):
    data = json.loads((build_dir / "framework.json").read_text(encoding="utf-8"))
    counts = {key: value for key, value in data.items() if key.endswith("_count")}
    assert counts == {"framework_model_count": 8}  # a new count needs a line here
    assert data["edition"]["framework_models"] == len(data["models"]) == 8


def test_two_builds_are_byte_identical(tmp_path, framework):
    build(Edition(framework), tmp_path / "a")
    build(Edition(framework), tmp_path / "b")
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_source_date_epoch_is_honoured(tmp_path, framework, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(Edition(framework, only=("json",)), tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text())["build_time"] == "2023-11-14T22:13:20Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(BuildError, match="SOURCE_DATE_EPOCH='soon' is not a whole number"):
        build(Edition(framework), tmp_path)


def test_failed_build_leaves_earlier_output_untouched(tmp_path, framework, monkeypatch):
    build(Edition(framework), tmp_path)
    before = tree(tmp_path)
    last = RENDERERS[-1]

    def explode(ctx, out_dir):
        (out_dir / "half-written.txt").write_text("partial")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(type(last), "render", lambda self, ctx, out_dir: explode(ctx, out_dir))
    with pytest.raises(BuildError, match="disk on fire"):
        build(Edition(framework), tmp_path, force=True)  # unforced, it would be up to date
    assert tree(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")]


def test_only_rebuilds_the_named_formats_and_keeps_the_rest(tmp_path, framework):
    build(Edition(framework), tmp_path)
    (tmp_path / "docs" / "index.md").write_text("stale")
    build(Edition(framework, only=("json",)), tmp_path)
    assert (tmp_path / "docs" / "index.md").read_text() == "stale"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "docs/index.md" in {a["path"] for a in manifest["artifacts"]}


def test_build_command_progress_and_summary(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path), "--only", "markdown,csv"]) == 0
    out, err = capsys.readouterr()
    assert "markdown" in err and "csv" in err and " s" in err
    assert out.startswith("built 20 files")  # 6 pages, 8 model pages, 5 mapping pages, the CSV
    assert main(["build", "--out", str(tmp_path), "--only", "markdown,csv"]) == 0
    assert capsys.readouterr().out.startswith("nothing to build: every format is up to date (")
    with pytest.raises(SystemExit) as usage:
        main(["build", "--out", str(tmp_path), "--only", "pdf-of-dreams"])
    assert usage.value.code == 2
    assert "unknown format pdf-of-dreams; expected one of markdown, json, csv" in capsys.readouterr().err


def test_only_help_lists_every_format_with_its_description(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # one line per option, nothing wrapped
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    out = capsys.readouterr().out
    for renderer in RENDERERS:
        assert f"{renderer.name}: {renderer.description}" in out


def test_restricted_build_renders_only_those_models(tmp_path, framework):
    scoped = framework.restricted_to(("saas-ai", "mcp-systems"))
    assert [m.id for m in scoped.models] == ["saas-ai", "mcp-systems"]
    assert len(scoped.cells) == 32
    build(Edition(scoped), tmp_path)
    assert sorted(p.name for p in (tmp_path / "docs" / "models").iterdir()) == ["mcp-systems.md", "saas-ai.md"]
    matrix = (tmp_path / "docs" / "responsibility-matrix.md").read_text()
    assert "PaaS AI" not in matrix.split("## The matrix")[1].split("##")[0]


FORMAT_LIBRARIES = ("openpyxl", "docx", "docxtpl", "lxml", "weasyprint", "PIL", "pypdfium2", "numpy")


def test_the_command_line_imports_no_format_or_validation_library_before_it_needs_one():
    # The build forks the poster's process before loading: what is imported before that, it pays for too.
    probe = "import sys, generator.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert set(done.stdout.split()) & {*FORMAT_LIBRARIES, "jsonschema"} == set()


def test_each_format_imports_its_own_library_when_it_renders(tmp_path):
    probe = (
        "import sys; from pathlib import Path; from generator.cli import main\n"
        "main(['build', '--only', 'xlsx', '--out', sys.argv[1]])\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "openpyxl" in loaded
    assert loaded & {"docx", "docxtpl", "weasyprint"} == set()

"""Up-to-date skipping: an unchanged rebuild renders nothing; a changed input re-renders what depends on it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator import font_subsetter, templating
from generator.cli import main
from generator.edition import Edition
from generator.org.branding import Branding
from generator.org.profile import load_profile
from generator.org.tailor import tailor
from generator.pipeline import build, silent
from generator.renderers import RENDERERS
from generator.search_path import SearchPath
from generator.source.load import load_framework

ALL = [r.name for r in RENDERERS]
QUICK = ["markdown", "json", "csv", "xlsx", "docx"]  # every format but the slow poster
NORTHWIND = Path(__file__).parent.parent / "examples" / "northwind-analytics"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The names of the formats whose renderer is called, in order."""
    calls: list[str] = []
    for renderer in RENDERERS:
        original = type(renderer).render

        def spy(self, ctx, out_dir, original=original):
            calls.append(self.name)
            return original(self, ctx, out_dir)

        monkeypatch.setattr(type(renderer), "render", spy)
    return calls


def quiet_build(framework, out, only=None, lines=None, force=False, branding=None, search_path=None):
    edition = Edition(framework, branding or Branding(), tuple(only) if only else None, search_path or SearchPath())
    return build(edition, out, lines.append if lines is not None else silent, force=force)


def test_unchanged_rebuild_renders_nothing_and_leaves_every_byte(tmp_path, framework, rendered):
    quiet_build(framework, tmp_path)
    before = tree(tmp_path)
    assert rendered == ALL
    rendered.clear()
    lines: list[str] = []
    assert quiet_build(framework, tmp_path, lines=lines) == []
    assert rendered == []
    assert lines == [f"  {name:<10} up to date" for name in ALL]
    assert tree(tmp_path) == before  # the manifest included
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert sorted(manifest["formats"]) == sorted(ALL)
    assert manifest["formats"]["pdf"]["font_subsetter"] in ("harfbuzz", "fonttools")


def test_a_data_edit_re_renders_every_format(tmp_path, data_copy, rendered):
    quiet_build(load_framework(data_copy), tmp_path, QUICK)
    domains = data_copy / "frameworks" / "ai-security-shared-responsibility" / "1.1.0" / "domains.yaml"
    domains.write_text(domains.read_text().replace("Input validation and sanitization", "Input validation"))
    rendered.clear()
    quiet_build(load_framework(data_copy), tmp_path, QUICK)
    assert rendered == QUICK
    assert "Input validation and sanitization" not in (tmp_path / "docs" / "security-domains.md").read_text()


@pytest.mark.parametrize("option", ["SOURCE_DATE_EPOCH", "--force"])
def test_build_time_or_force_re_renders_every_format(tmp_path, framework, rendered, monkeypatch, option):
    quiet_build(framework, tmp_path, QUICK)
    rendered.clear()
    if option == "--force":
        quiet_build(framework, tmp_path, QUICK, force=True)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        quiet_build(framework, tmp_path, QUICK)
    assert rendered == QUICK


@pytest.mark.parametrize(
    ("template", "fmt"),
    [("markdown/index.md.j2", "markdown"), ("word/notes.txt", "docx"), ("fonts/LICENSE-DejaVu.txt", "docx")],
)
def test_a_template_edit_re_renders_only_the_formats_reading_it(
    tmp_path, framework, rendered, monkeypatch, template, fmt
):
    templates = tmp_path / "templates"
    shutil.copytree(templating.TEMPLATES_DIR, templates)
    monkeypatch.setattr(templating, "TEMPLATES_DIR", templates)
    out = tmp_path / "out"
    quiet_build(framework, out, QUICK)
    with (templates / template).open("ab") as changed:  # an edit, or a new file in the format's folder
        changed.write(b"\n")
    rendered.clear()
    quiet_build(framework, out, QUICK)
    assert rendered == [fmt]


def test_an_override_edit_re_renders_its_format_not_the_others(tmp_path, framework, rendered):
    profile_dir = tmp_path / "northwind"
    shutil.copytree(NORTHWIND, profile_dir)
    profile = load_profile(profile_dir, framework)
    options = {"branding": profile.branding, "search_path": profile.search_path}
    out = tmp_path / "out"
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    override = profile_dir / "templates" / "markdown" / "index.md.j2"
    override.write_text(override.read_text().replace("security@northwind.example", "ciso@northwind.example"))
    rendered.clear()
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    assert rendered == ["markdown"]
    assert "ciso@northwind.example" in (out / "docs" / "index.md").read_text()
    (profile_dir / "logo.png").write_bytes((profile_dir / "logo.png").read_bytes() + b"\0")
    rendered.clear()
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    assert rendered == QUICK  # an asset any format may read


@pytest.mark.parametrize("tamper", ["edit", "delete", "same size", "symlink"])
def test_a_tampered_output_re_renders_its_format(tmp_path, framework, rendered, tamper):
    quiet_build(framework, tmp_path, QUICK)
    target = tmp_path / "responsibilities.csv"
    original = target.read_bytes()
    if tamper == "edit":
        target.write_bytes(original + b"extra")
    elif tamper == "delete":
        target.unlink()
    elif tamper == "same size":
        target.write_bytes(original[:-1] + b"X")
    else:
        (tmp_path / "copy.csv").write_bytes(original)
        target.unlink()
        target.symlink_to(tmp_path / "copy.csv")
    rendered.clear()
    quiet_build(framework, tmp_path, QUICK)
    assert rendered == ["csv"]
    assert target.read_bytes() == original and not target.is_symlink()


@pytest.mark.parametrize("path", ["../outside.csv", "ABSOLUTE", "", ".", "docs/../responsibilities.csv", "link/x.csv"])
def test_a_manifest_naming_paths_outside_the_folder_is_neither_trusted_nor_deleted(tmp_path, framework, rendered, path):
    out, outside = tmp_path / "out", tmp_path / "outside.csv"
    outside.write_text("not the build's")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.csv").write_text("not the build's")
    quiet_build(framework, out, QUICK)
    (out / "link").symlink_to(tmp_path / "elsewhere")
    manifest_file = out / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for artifact in manifest["artifacts"]:
        if artifact["format"] == "csv":
            artifact["path"] = str(outside) if path == "ABSOLUTE" else path
    manifest_file.write_text(json.dumps(manifest))
    rendered.clear()
    quiet_build(framework, out, QUICK)
    assert rendered == ["csv"]
    assert outside.read_text() == "not the build's"
    assert (tmp_path / "elsewhere" / "x.csv").read_text() == "not the build's"
    assert (out / "responsibilities.csv").is_file()


def test_a_build_of_other_formats_keeps_the_keys_of_the_rest(tmp_path, framework, rendered):
    quiet_build(framework, tmp_path, ["markdown", "json"])
    quiet_build(framework, tmp_path, ["csv"])
    rendered.clear()
    quiet_build(framework, tmp_path, ["markdown", "json", "csv"])
    assert rendered == []


def test_the_command_reports_up_to_date_and_force_renders_all(tmp_path, capsys):
    args = ["build", "--out", str(tmp_path), "--only", "markdown,csv"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "markdown   up to date" in err and "csv        up to date" in err
    assert main([*args, "--force"]) == 0
    err = capsys.readouterr().err
    assert "up to date" not in err and re.search(r"markdown +\d+ files", err)


def test_the_fonttools_fallback_is_reported_naming_the_package(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(font_subsetter, "used", lambda: "fonttools")
    font_subsetter.warn_on_fallback(False, lines.append)
    assert lines == []
    font_subsetter.warn_on_fallback(True, lines.append)
    assert len(lines) == 1 and "libharfbuzz-subset0" in lines[0] and "apt-get install" in lines[0]
    monkeypatch.setattr(font_subsetter, "used", lambda: "harfbuzz")
    font_subsetter.warn_on_fallback(True, lines.append)
    assert len(lines) == 1


def test_keys_do_not_depend_on_where_the_profile_is(tmp_path, framework):
    manifests = []
    for place in ("here", "somewhere/else"):
        profile_dir = tmp_path / place / "northwind"
        shutil.copytree(NORTHWIND, profile_dir)
        profile = load_profile(profile_dir, framework)
        options = {"branding": profile.branding, "search_path": profile.search_path}
        quiet_build(tailor(framework, profile), tmp_path / place / "out", ["markdown", "json"], **options)
        manifests.append((tmp_path / place / "out" / "manifest.json").read_bytes())
    assert manifests[0] == manifests[1]


@pytest.mark.parametrize("included", ["shared/footer.j2", "poster/notes.j2"])
def test_a_file_an_override_includes_is_covered_by_its_format_key(tmp_path, framework, rendered, included):
    """An override may include a template outside its format's folder; editing that file re-renders the format."""
    profile_dir = tmp_path / "northwind"
    shutil.copytree(NORTHWIND, profile_dir)
    templates = profile_dir / "templates"
    (templates / included).parent.mkdir(parents=True, exist_ok=True)
    (templates / included).write_text("Footer one.\n")
    override = templates / "markdown" / "index.md.j2"
    override.write_text(override.read_text() + f'\n{{% include "{included}" %}}\n')
    profile = load_profile(profile_dir, framework)
    options = {"branding": profile.branding, "search_path": profile.search_path}
    out = tmp_path / "out"
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    assert "Footer one." in (out / "docs" / "index.md").read_text()
    (templates / included).write_text("Footer two.\n")
    rendered.clear()
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    assert rendered == ["markdown"]
    assert "Footer two." in (out / "docs" / "index.md").read_text()


def test_an_include_named_at_render_time_makes_the_format_depend_on_every_template(tmp_path, framework, rendered):
    profile_dir = tmp_path / "northwind"
    shutil.copytree(NORTHWIND, profile_dir)
    templates = profile_dir / "templates"
    (templates / "shared").mkdir()
    (templates / "shared" / "a.j2").write_text("A one.\n")
    override = templates / "markdown" / "index.md.j2"
    override.write_text(override.read_text() + '\n{% set part = "shared/" ~ "a.j2" %}{% include part %}\n')
    profile = load_profile(profile_dir, framework)
    options = {"branding": profile.branding, "search_path": profile.search_path}
    out = tmp_path / "out"
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    (templates / "shared" / "a.j2").write_text("A two.\n")
    rendered.clear()
    quiet_build(tailor(framework, profile), out, QUICK, **options)
    assert "markdown" in rendered and "A two." in (out / "docs" / "index.md").read_text()

"""Names decided once: every reference inside a release resolves inside its zip; formats declare their traits.

A release renders with the release's names, so the OSCAL component's catalog href, the Markdown
pages' links and every file name mentioned in a text (README, CHANGES.md, docs, the workbook's
About sheet) name a member of the zip. The bundle README describes every top-level file and
folder from the formats' traits, and a format added with one module and one registry line shows
up in the build, the manifest, the up-to-date check and the release README.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from generator import renderers
from generator.cli import main
from generator.edition import Edition
from generator.pipeline import build
from generator.release import make_release
from generator.renderers.base import RenderContext, write_text
from generator.renderers.responsibilities_csv import CSV
from generator.renderers.traits import Output, Traits
from generator.source.load import DATA_DIR, load_framework

NORTHWIND = DATA_DIR.parent / "examples" / "northwind-analytics"
TEXT = (".md", ".json", ".yaml", ".csv", ".txt")
OFFICE = (".xlsx", ".docx")
# A file name in running text: a name with one of the artifacts' extensions, or the checksum file.
FILE_NAME = re.compile(r"(?<![\w/.-])[\w.-]+\.(?:json|csv|xlsx|docx|pdf|png|yaml|md|zip|txt)\b|\bSHA256SUMS\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
JSON_LINK_KEYS = ("href", "source")  # OSCAL: links and back-matter rlinks; control-implementations' catalog


@pytest.fixture(scope="module", params=["reference", "northwind"])
def release(request, tmp_path_factory) -> tuple[Path, str]:
    """A release (the reference one, an organisation's): the zip and the bundle's name."""
    out = tmp_path_factory.mktemp(request.param)
    org = ["--org", str(NORTHWIND)] if request.param == "northwind" else []
    assert main(["release", "--out", str(out), *org]) == 0
    (zip_path,) = out.glob("*.zip")
    return zip_path, zip_path.stem


def members(zip_path: Path, name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {n.removeprefix(f"{name}/"): archive.read(n) for n in archive.namelist() if not n.endswith("/")}


def texts(files: dict[str, bytes]) -> Iterator[tuple[str, str]]:
    """Every text inside the bundle: the text files, and the words of the Word and Excel files' XML parts."""
    for path, data in files.items():
        if path.endswith(TEXT) or path in ("SHA256SUMS",):
            yield path, data.decode("utf-8-sig")
        elif path.endswith(OFFICE):
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                for part in package.namelist():
                    if part.endswith(".xml"):
                        words = re.sub(r"<[^>]+>", " ", package.read(part).decode("utf-8"))
                        yield f"{path}:{part}", words


def links(path: str, text: str) -> Iterator[str]:
    """The relative links a text holds: Markdown link targets, and OSCAL's hrefs and catalog sources."""
    if path.endswith(".md"):
        yield from MARKDOWN_LINK.findall(text)
    if path.endswith(".json"):
        stack = [json.loads(text)]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
                yield from (v for k, v in value.items() if k in JSON_LINK_KEYS and isinstance(v, str))
            elif isinstance(value, list):
                stack.extend(value)


def local(target: str) -> bool:
    return not re.match(r"^(#|[a-z][a-z0-9+.-]*:)", target)


def unresolved(files: dict[str, bytes], beside: set[str]) -> tuple[int, list[str]]:
    """Check every link and file name in `files` (path -> bytes); return how many, and those naming no file.

    A link resolves against the folder of the file holding it; a file name mentioned in text
    must be the name of one of `files` or of `beside` (what stands next to them).
    """
    folders = {str(PurePosixPath(p).parent) for p in files}
    basenames = {PurePosixPath(p).name for p in files}
    checked, broken = 0, []
    for path, text in texts(files):
        for target in filter(local, links(path.split(":")[0], text)):
            parts: list[str] = []
            for part in (PurePosixPath(path).parent / target.split("#")[0]).parts:
                parts = parts[:-1] if part == ".." else parts if part == "." else [*parts, part]
            checked += 1
            if "/".join(parts) not in files and "/".join(parts) not in folders:
                broken.append(f"{path}: link {target}")
        for mentioned in FILE_NAME.findall(text):
            checked += 1
            if mentioned not in basenames and mentioned not in beside:
                broken.append(f"{path}: names {mentioned}")
    return checked, broken


def test_every_link_and_file_name_inside_the_release_resolves_inside_the_zip(release):
    zip_path, name = release
    beside = {zip_path.name, f"{name}.SHA256SUMS"}  # what the README's "verify" names next to the zip
    checked, broken = unresolved(members(zip_path, name), beside)
    assert not broken, broken
    assert checked > 100


def test_every_link_and_file_name_inside_the_build_resolves_inside_it(build_dir):
    files = {p.relative_to(build_dir).as_posix(): p.read_bytes() for p in build_dir.rglob("*") if p.is_file()}
    checked, broken = unresolved(files, set())
    assert not broken, broken
    assert checked > 100


def test_the_component_definition_imports_the_catalog_in_the_zip(release):
    zip_path, name = release
    files = members(zip_path, name)
    (component,) = [p for p in files if p.endswith("-oscal-component-definition.json")]
    (catalog,) = [p for p in files if p.endswith("-oscal-catalog.json")]
    assert catalog.startswith(name) and component.startswith(name)
    document = json.loads(files[component])["component-definition"]
    sources = {ci["source"] for c in document["components"] for ci in c["control-implementations"]}
    assert sources == {f"./{catalog}"}


@pytest.mark.skipif(shutil.which("trestle", path=str(Path(sys.executable).parent)) is None, reason="no trestle")
def test_trestle_generates_the_component_markdown_from_the_released_files(release, tmp_path):
    """compliance-trestle resolves the catalog href from its workspace: the unpacked bundle folder."""
    zip_path, name = release
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tmp_path)
    bundle = tmp_path / name
    trestle = str(Path(sys.executable).parent / "trestle")
    subprocess.run([trestle, "init"], cwd=bundle, check=True, capture_output=True)
    (component,) = bundle.glob("*-oscal-component-definition.json")
    (bundle / "component-definitions" / "srm").mkdir()
    shutil.copyfile(component, bundle / "component-definitions" / "srm" / "component-definition.json")
    done = subprocess.run(
        [trestle, "author", "component-generate", "-n", "srm", "-o", "md"], cwd=bundle, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    cells = list((bundle / "md").rglob("*.md"))
    assert len(cells) >= 4 * 16  # one page per cell of every deployment model of the edition


def test_the_bundle_readme_describes_every_top_level_file_and_folder(release):
    zip_path, name = release
    files = members(zip_path, name)
    readme = files["README.md"].decode()
    rows = dict(re.findall(r"^\| `([^`]+)` \| (.+) \|$", readme, re.M))
    top = {p.split("/")[0] + "/" if "/" in p else p for p in files}
    assert set(rows) == top
    declared = {o.stem: o for o in renderers.declared_outputs()}
    for stem in ("oscal-catalog.json", "oscal-component-definition.json", "ciso-assistant.xlsx", "poster.pdf"):
        output = declared[stem]
        assert rows[f"{name}-{stem}"] == f"{output.about}; for {output.audience}"


# --- a format added with one module and one registry line ----------------------------------------

DUMMY = Output("dummy.txt", "a format the test adds", "the test", beside=True)


class Dummy:
    name = "dummy"
    description = "dummy.txt: names the CSV"
    traits = Traits(outputs=(DUMMY,), templates=())

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        return [write_text(out_dir, ctx.file(DUMMY), f"The long table is {ctx.file(CSV)}.\n")]


class Minimal:
    """A format declaring only what the Renderer protocol asks: name, description, render."""

    name = "minimal"
    description = "minimal.txt: a format with no traits"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        return [write_text(out_dir, "minimal.txt", "minimal\n")]


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(renderers, "RENDERERS", (*renderers.RENDERERS, Dummy(), Minimal()))


def test_a_new_format_appears_in_the_build_manifest_and_up_to_date_check(registered, tmp_path):
    edition = Edition(load_framework(), only=("csv", "dummy", "minimal"))
    build(edition, tmp_path)
    assert (
        tmp_path / "ai-security-responsibility-dummy.txt"
    ).read_text() == "The long table is responsibilities.csv.\n"
    assert (tmp_path / "minimal.txt").read_text() == "minimal\n"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {a["path"]: a["format"] for a in manifest["artifacts"]} == {
        "responsibilities.csv": "csv",
        "ai-security-responsibility-dummy.txt": "dummy",
        "minimal.txt": "minimal",
    }
    assert set(manifest["formats"]) == {"csv", "dummy", "minimal"}
    lines: list[str] = []
    build(edition, tmp_path, lines.append)
    assert [line.split() for line in lines] == [[f, "up", "to", "date"] for f in ("csv", "dummy", "minimal")]


def test_a_new_format_is_named_and_described_in_the_release(registered, tmp_path):
    framework = load_framework()
    made = make_release(Edition(framework, only=("csv", "dummy", "minimal")), tmp_path)
    name = made.bundle.stem
    files = members(made.bundle, name)
    assert files[f"{name}-dummy.txt"].decode() == f"The long table is {name}-responsibilities.csv.\n"
    readme = files["README.md"].decode()
    assert f"| `{name}-dummy.txt` | a format the test adds; for the test |" in readme
    assert "| `minimal.txt` | minimal.txt: a format with no traits |" in readme
    assert (tmp_path / f"{name}-dummy.txt").read_bytes() == files[f"{name}-dummy.txt"]  # it stands beside the zip


def test_two_formats_declaring_one_file_are_refused(monkeypatch):
    twin = type("Twin", (Dummy,), {"name": "twin"})
    monkeypatch.setattr(renderers, "RENDERERS", (*renderers.RENDERERS, Dummy(), twin()))
    with pytest.raises(RuntimeError, match=r"two formats declare 'dummy\.txt'"):
        renderers.declared_outputs()

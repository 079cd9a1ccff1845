"""Organisation editions end to end (`build --org`): branding and tailoring in every artifact, isolation."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pypdf
import pytest

from generator.cli import main
from generator.edition import make_edition
from generator.org.profile import load_profile
from generator.pipeline import build
from generator.source.load import load_framework

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"
NAME = "Northwind Analytics & Co. <Ltd>"
IN_USE = ["saas-ai", "paas-ai", "agentic-ai", "ai-coding"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("editions")
    assert main(["build", "--org", str(EXAMPLE), "--out", str(out)]) == 0
    return out / "northwind-analytics"


def text_of_docx(path: Path) -> str:
    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def rgb(colour) -> tuple[int, ...]:
    return tuple(round(c * 255) for c in colour) if colour and len(colour) == 3 else ()


# --- branding and tailoring in every artifact --------------------------------


def test_every_artifact_carries_the_organisation_name(edition):
    index = (edition / "docs" / "index.md").read_text(encoding="utf-8")
    assert "Northwind Analytics & Co. \\<Ltd> edition, based on AI Security Shared Responsibility Model v1.1.0" in index
    data = json.loads((edition / "framework.json").read_text(encoding="utf-8"))
    assert data["edition"]["organisation"] == NAME
    assert data["edition"]["based_on"] == "based on AI Security Shared Responsibility Model v1.1.0"

    policy = edition / "northwind-analytics-policy.docx"
    assert NAME in text_of_docx(policy)
    assert docx.Document(policy).core_properties.author == NAME

    workbook = openpyxl.load_workbook(edition / "northwind-analytics-raci.xlsx")
    assert workbook.properties.creator == NAME
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2) if row[0].value}
    assert about["Organisation"] == NAME
    assert about["Edition"].startswith(f"{NAME} edition, based on")

    poster = edition / "northwind-analytics-poster.pdf"
    assert pypdf.PdfReader(poster).metadata["/Author"] == NAME
    assert NAME in pdf_text(poster).replace("\n", " ")


def test_logo_is_in_the_policy_workbook_and_poster(edition):
    raster = (EXAMPLE / "logo.png").read_bytes()
    with zipfile.ZipFile(edition / "northwind-analytics-policy.docx") as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert raster in media
    with zipfile.ZipFile(edition / "northwind-analytics-raci.xlsx") as z:
        assert [n for n in z.namelist() if n.startswith("xl/media/")]
    with pdfplumber.open(edition / "northwind-analytics-poster.pdf") as pdf:
        fills = {rgb(shape.get("non_stroking_color")) for shape in pdf.pages[0].curves + pdf.pages[0].rects}
    assert (0x1B, 0x99, 0x8B) in fills  # the SVG logo's teal disc, drawn as vector


def test_primary_colour_in_poster_and_workbook(edition):
    with pdfplumber.open(edition / "northwind-analytics-poster.pdf") as pdf:
        fills = {rgb(r.get("non_stroking_color")) for r in pdf.pages[0].rects}
    assert (0x14, 0x36, 0x5D) in fills
    ws = openpyxl.load_workbook(edition / "northwind-analytics-raci.xlsx")["Responsibilities"]
    assert ws["A1"].fill.fgColor.rgb == "FF14365D"


def test_role_names_in_the_raci_sheet(edition):
    ws = openpyxl.load_workbook(edition / "northwind-analytics-raci.xlsx")["RACI"]
    headers = [c.value for c in ws[1]]
    assert "Office of the CISO" in headers and "AI Review Board" in headers
    assert "Security Leadership (CISO)" not in headers and "Procurement & Vendor Management" not in headers
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "agent-governance")
    assert row[headers.index("AI Review Board")] == "A"


def test_only_models_in_use_get_annexes_pages_and_columns(edition):
    framework = load_framework()
    names = {m.id: m.name for m in framework.models}
    headings = [
        p.text
        for p in docx.Document(edition / "northwind-analytics-policy.docx").paragraphs
        if p.style.name == "Heading 1" and p.text.startswith("Annex") and "How this policy maps" not in p.text
    ]
    assert [h.split(": ", 1)[1] for h in headings] == [names[i] for i in IN_USE]
    assert sorted(p.stem for p in (edition / "docs" / "models").iterdir()) == sorted(IN_USE)
    matrix = openpyxl.load_workbook(edition / "northwind-analytics-raci.xlsx")["Matrix"]
    shorts = {m.id: m.short_name for m in framework.models}
    in_use = [shorts[i] for i in IN_USE]
    assert [c.value for c in matrix[1]][4:] == [*in_use, "critical_focus", *(f"{s} level_id" for s in in_use)]


def test_obligations_equal_the_customer_and_shared_cells_of_the_models_in_use(edition):
    framework = load_framework()
    expected = [
        c.id
        for c in framework.cells
        if c.model_id in IN_USE and framework.level(c.level_id).id in ("customer", "shared")
    ]
    ws = openpyxl.load_workbook(edition / "northwind-analytics-raci.xlsx")["Obligations"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected
    page = (edition / "docs" / "obligations.md").read_text(encoding="utf-8")
    assert page.startswith("# Our obligations")
    assert sum(1 for line in page.splitlines() if line.startswith("| ") and line[2].isdigit()) == len(expected)
    policy = text_of_docx(edition / "northwind-analytics-policy.docx")
    assert f"The organisation carries {len(expected)} responsibilities" in policy


def test_canonical_ids_never_change(edition):
    data = json.loads((edition / "framework.json").read_text(encoding="utf-8"))
    framework = load_framework()
    canonical = {c.id for c in framework.cells}
    assert {c["id"] for c in data["cells"]} <= canonical
    assert [m["id"] for m in data["models"]] == IN_USE
    assert data["framework_model_count"] == data["edition"]["framework_models"] == len(framework.models)


def test_poster_size_comes_from_the_profile(edition):
    box = pypdf.PdfReader(edition / "northwind-analytics-poster.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape


# --- several profiles in one command -----------------------------------------------


def second_profile(root: Path) -> Path:
    other = root / "contoso"
    shutil.copytree(EXAMPLE, other, ignore=shutil.ignore_patterns("templates"))
    from PIL import Image

    Image.new("RGB", (300, 100), "#AA3300").save(other / "logo.png")
    (other / "org.yaml").write_text(
        "name: Contoso Robotics\nfile_prefix: contoso\nlogo: logo.png\n"
        "colours: {primary: '#5A2D82'}\nmodels_in_use: [mcp-systems]\n",
        encoding="utf-8",
    )
    return other


def test_two_profiles_in_one_command_do_not_mix(tmp_path, capsys):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copytree(EXAMPLE, profiles / "northwind")
    second_profile(profiles)
    out = tmp_path / "out"
    assert main(["build", "--org", str(profiles), "--out", str(out), "--only", "markdown,json,xlsx,docx"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["contoso", "northwind-analytics"]
    contoso, northwind = out / "contoso", out / "northwind-analytics"
    assert "Northwind" not in text_of_docx(contoso / "contoso-policy.docx")
    assert "Contoso" not in text_of_docx(northwind / "northwind-analytics-policy.docx")
    for folder, other in ((contoso, "Northwind"), (northwind, "Contoso")):
        for page in (folder / "docs").rglob("*.md"):
            assert other not in page.read_text(encoding="utf-8")
    assert sorted(p.stem for p in (contoso / "docs" / "models").iterdir()) == ["mcp-systems"]
    with zipfile.ZipFile(contoso / "contoso-policy.docx") as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert (profiles / "contoso" / "logo.png").read_bytes() in media
    assert (profiles / "northwind" / "logo.png").read_bytes() not in media
    summary = capsys.readouterr().out
    assert "2 of 2 editions built" in summary


def test_a_colliding_slug_refuses_the_second_profile_and_builds_the_first(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(EXAMPLE, a)
    shutil.copytree(EXAMPLE, b)
    out = tmp_path / "out"
    assert main(["build", "--org", str(a), "--org", str(b), "--out", str(out), "--only", "json"]) == 1
    captured = capsys.readouterr()
    assert "error: edition b not built" in captured.err
    assert "output folder 'northwind-analytics' is also used by" in captured.err
    assert "1 of 2 editions built" in captured.out
    assert (out / "northwind-analytics" / "framework.json").is_file()


def test_a_bad_profile_is_reported_with_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad"
    shutil.copytree(EXAMPLE, bad)
    (bad / "org.yaml").write_text("name: Bad\ncolours: {primary: blue}\n", encoding="utf-8")
    assert main(["build", "--org", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "org.yaml:2: colours.primary: found 'blue', expected a colour as #RRGGBB" in err


def test_svg_logo_reaching_outside_is_refused(tmp_path, capsys):
    evil = tmp_path / "evil"
    shutil.copytree(EXAMPLE, evil)
    (evil / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        '<image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>',
        encoding="utf-8",
    )
    assert main(["build", "--org", str(evil), "--out", str(tmp_path / "out"), "--only", "pdf"]) == 1
    err = capsys.readouterr().err
    assert "edition northwind-analytics not built" in err and "/etc/hostname" in err


def test_edition_bytes_are_reproducible(tmp_path):
    framework = load_framework()
    edition = make_edition(framework, load_profile(EXAMPLE, framework), only=["xlsx", "docx", "json"])
    for name in ("a", "b"):
        build(edition, tmp_path / name)
    digest = {
        name: {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / name).iterdir() if p.is_file()}
        for name in ("a", "b")
    }
    assert digest["a"] == digest["b"]


def test_logo_is_in_the_policy_header_too(edition):
    with zipfile.ZipFile(edition / "northwind-analytics-policy.docx") as z:
        headers = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/header")}
    assert any("<w:drawing>" in xml for xml in headers.values())


def test_policy_tables_take_the_primary_colour(edition):
    with zipfile.ZipFile(edition / "northwind-analytics-policy.docx") as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    table_style = styles.split('w:styleId="LightList-Accent1"', 1)[1].split("</w:style>", 1)[0]
    assert 'w:fill="14365D"' in table_style and "accent1" not in table_style


def _profiles(tmp_path: Path, broken: str) -> Path:
    """A folder of three profiles, the middle one's org.yaml replaced by `broken`."""
    root = tmp_path / "orgs"
    for name in ("alpha", "bravo", "charlie"):
        shutil.copytree(EXAMPLE, root / name)
        text = (root / name / "org.yaml").read_text(encoding="utf-8")
        (root / name / "org.yaml").write_text(
            text.replace("file_prefix: northwind-analytics", f"file_prefix: {name}"), encoding="utf-8"
        )
    (root / "bravo" / "org.yaml").write_text(broken, encoding="utf-8")
    return root


def test_a_broken_profile_in_a_folder_never_stops_the_others(tmp_path, capsys):
    root = _profiles(tmp_path, "name: Bravo\ncolours: {primary: blue}\n")
    out = tmp_path / "out"
    assert main(["build", "--org", str(root), "--out", str(out), "--only", "json", "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["alpha", "charlie"]
    assert "error: edition bravo not built" in captured.err and "colours.primary: found 'blue'" in captured.err
    assert "2 of 3 editions built" in captured.out
    dist = tmp_path / "dist"
    assert main(["release", "--org", str(root), "--out", str(dist)]) == 1
    err = capsys.readouterr().err
    assert "error: edition bravo not released" in err
    assert sorted(p.name for p in dist.glob("*.zip")) == ["alpha-1.1.0-v1.1.zip", "charlie-1.1.0-v1.1.zip"]


def test_a_symlinked_profile_in_a_folder_is_refused_not_followed(tmp_path, capsys):
    root = _profiles(tmp_path, "name: Bravo\n")
    outside = tmp_path / "outside"
    shutil.move(root / "bravo", outside)
    (root / "bravo").symlink_to(outside)
    out = tmp_path / "out"
    assert main(["build", "--org", str(root), "--out", str(out), "--only", "json"]) == 1
    assert "bravo: is a symbolic link; copy the profile folder in instead" in capsys.readouterr().err.replace(
        f"{root}/", ""
    )
    assert sorted(p.name for p in out.iterdir()) == ["alpha", "charlie"]


def test_a_killed_edition_worker_is_retried_and_the_others_are_built(tmp_path, monkeypatch, capsys):
    """A worker that dies breaks the process pool; the editions it took down are built again in a new one."""
    import os

    from generator import editions

    root = _profiles(
        tmp_path,
        (EXAMPLE / "org.yaml")
        .read_text(encoding="utf-8")
        .replace("file_prefix: northwind-analytics", "file_prefix: bravo"),
    )
    marker = tmp_path / "killed-once"
    real = editions.build

    def dies_once(edition, out_dir, *args, **kwargs):  # looked up by the forked worker, so no pickling
        if out_dir.name == "bravo" and not marker.exists():
            marker.write_text("x")
            os._exit(9)
        return real(edition, out_dir, *args, **kwargs)

    monkeypatch.setattr(editions, "build", dies_once)
    out = tmp_path / "out"
    assert main(["build", "--org", str(root), "--out", str(out), "--only", "json", "--jobs", "2"]) == 0
    assert marker.exists()
    assert sorted(p.name for p in out.iterdir()) == ["alpha", "bravo", "charlie"]
    assert "3 of 3 editions built" in capsys.readouterr().out

"""Organisation profiles: the example loads, tailoring works, hostile input is refused clearly."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from generator.org.profile import LOGO_MAX_PIXELS, load_profile
from generator.org.scaffold import ScaffoldError, init_org
from generator.org.tailor import tailor
from generator.problems import InputError

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    target = tmp_path / "org"
    shutil.copytree(EXAMPLE, target)
    return target


def write(folder: Path, text: str) -> None:
    (folder / "org.yaml").write_text(text, encoding="utf-8")


def problems(folder: Path, framework) -> list[str]:
    with pytest.raises(InputError) as info:
        load_profile(folder, framework)
    return [str(p) for p in info.value.problems]


def only_problem(folder: Path, framework) -> str:
    found = problems(folder, framework)
    assert len(found) == 1, found
    return found[0]


def png_bytes(size=(40, 20), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#336699").save(out, format=fmt)
    return out.getvalue()


def test_example_profile_loads(framework):
    profile = load_profile(EXAMPLE, framework)
    assert profile.slug == "northwind-analytics"
    assert profile.branding.organisation == "Northwind Analytics & Co. <Ltd>"
    assert profile.branding.primary == "#14365D"
    assert profile.branding.poster_size == "A3"
    assert profile.branding.logo.svg == (EXAMPLE / "logo.svg").resolve()
    assert profile.branding.logo.raster_type == "image/png"
    assert profile.search_path.overrides == ((EXAMPLE / "templates").resolve(),)
    assert profile.search_path.assets == (EXAMPLE.resolve(),)


@pytest.mark.parametrize(("line", "paper"), [("", "A4"), ("paper_size: Letter\n", "Letter")])
def test_paper_size_is_a4_unless_the_profile_says_letter(profile_dir, framework, line, paper):
    write(profile_dir, "name: Acme\n" + line)
    assert load_profile(profile_dir, framework).branding.paper_size == paper


def test_tailoring_keeps_ids_and_applies_roles_and_overrides(framework):
    edition = tailor(framework, load_profile(EXAMPLE, framework))
    assert [m.id for m in edition.models] == ["saas-ai", "paas-ai", "agentic-ai", "ai-coding"]
    assert {c.model_id for c in edition.cells} == {"saas-ai", "paas-ai", "agentic-ai", "ai-coding"}
    for cell in edition.cells:
        assert cell == framework.cell(cell.domain_id, cell.model_id)
    names = {r.id: r.name for r in edition.roles}
    assert names["security-leadership"] == "Office of the CISO"
    assert "procurement-vendor" not in names and names["ai-review-board"] == "AI Review Board"
    rows = {row.domain_id: row for row in edition.raci}
    assert rows["agent-governance"].accountable == "ai-review-board"
    assert rows["agent-governance"].letters["risk-governance"] == "R"
    assert "Northwind Analytics & Co. <Ltd> adapted this row" in rows["agent-governance"].rationale
    for row in edition.raci:
        assert list(row.letters) == list(names)
        assert list(row.letters.values()).count("A") == 1


def test_scaffolded_profile_is_valid(tmp_path, framework):
    written = init_org(tmp_path / "acme", "Smith & Sons <Ltd>", framework)
    assert [p.name for p in written] == ["org.yaml", "README.md"]
    profile = load_profile(tmp_path / "acme", framework)
    assert profile.branding.organisation == "Smith & Sons <Ltd>"
    assert profile.slug == "smith-sons-ltd"
    with pytest.raises(ScaffoldError, match="already exists"):
        init_org(tmp_path / "acme", "Other", framework)


@pytest.mark.parametrize(
    ("yaml_line", "expected"),
    [
        ('colours: {primary: "red"}', "colours.primary: found 'red', expected a colour as #RRGGBB"),
        ('colours: {accent: "#12345"}', "colours.accent: found '#12345', expected a colour as #RRGGBB"),
        ("font: {family: Comic Sans}", "font.family: found 'Comic Sans', expected one of DejaVu Sans"),
        ("poster_size: A0", "poster_size: found 'A0', expected one of A3, A2, A1, Letter, Tabloid"),
        ("paper_size: A3", "paper_size: found 'A3', expected one of A4, Letter"),
        ("file_prefix: ../../etc", "file_prefix: found '../../etc', expected a lower-case slug"),
        ("models_in_use: [saas-ai, quantum-ai]", "models_in_use[1]: unknown model id 'quantum-ai'"),
        ("logo: ../../etc/passwd", "logo: '../../etc/passwd' must be a relative path inside the profile folder"),
        ("logo: /etc/passwd", "logo: '/etc/passwd' must be a relative path inside the profile folder"),
        ("logo: missing.png", "logo: 'missing.png' not found in"),
        ("logo: logo.svg", "logo: an SVG logo needs logo_raster"),
        ("raci_overrides: {data-privacy: {security-leadership: X}}", "found 'X', expected one of R, A, C, I"),
        ("raci_overrides: {data-privacy: {chief-wizard: R}}", "unknown role id 'chief-wizard'"),
        ("raci_overrides: {data-privcy: {security-leadership: R}}", "unknown domain id 'data-privcy'"),
        (
            "raci_overrides: {data-privacy: {security-leadership: A}}",
            "data-privacy must keep exactly one A after the overrides, found security-leadership, data-protection",
        ),
        (
            "roles: {drop: [data-protection]}",
            "domain data-privacy must keep exactly one A after the overrides, found none",
        ),
        ("roles: {rename: {ciso: Boss}}", "roles.rename.ciso: unknown role id 'ciso'"),
        ("colour: {primary: '#000000'}", "colour: unknown key 'colour'; did you mean `colours`?"),
        (
            'colours: {levels: {customer: {fill: "#FFFF00", text: "#FFFFFF"}}}',
            "colours.levels.customer: text #FFFFFF on #FFFF00 has contrast 1.07:1, expected at least 4.5:1",
        ),
        ("document_control: {review_cycle_months: 0}", "expected a number of months from 1 to 60"),
    ],
)
def test_hostile_profile_values_are_refused(profile_dir, framework, yaml_line, expected):
    write(profile_dir, f"name: Acme\n{yaml_line}\n")
    message = only_problem(profile_dir, framework)
    assert "org.yaml:2:" in message or "org.yaml:1:" in message
    assert expected in message


def test_name_with_control_characters(profile_dir, framework):
    write(profile_dir, 'name: "Acme\\nInjected"\n')
    assert "name: contains control characters" in only_problem(profile_dir, framework)


def test_symlink_out_of_the_folder_is_refused(profile_dir, framework, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    (profile_dir / "link.png").symlink_to(secret)
    write(profile_dir, "name: Acme\nlogo: link.png\n")
    assert "link.png is a symbolic link; copy the file or folder in instead" in only_problem(profile_dir, framework)


def test_fake_image_is_refused(profile_dir, framework):
    (profile_dir / "fake.png").write_text("not an image")
    write(profile_dir, "name: Acme\nlogo: fake.png\n")
    assert "fake.png is not a readable image; use a PNG or JPEG file" in only_problem(profile_dir, framework)


def test_unsupported_image_type_is_refused(profile_dir, framework):
    (profile_dir / "logo.gif").write_bytes(png_bytes(fmt="GIF"))
    write(profile_dir, "name: Acme\nlogo: logo.gif\n")
    assert "logo.gif is a GIF image; use PNG, JPEG or SVG" in only_problem(profile_dir, framework)


def test_oversized_file_is_refused(profile_dir, framework):
    (profile_dir / "huge.png").write_bytes(png_bytes() + b"\0" * (5 * 1024 * 1024))
    write(profile_dir, "name: Acme\nlogo: huge.png\n")
    assert "huge.png is larger than 5 MiB" in only_problem(profile_dir, framework)


def test_large_logo_is_scaled_once(profile_dir, framework):
    (profile_dir / "wide.png").write_bytes(png_bytes(size=(4000, 1200)))
    write(profile_dir, "name: Acme\nlogo: wide.png\n")
    logo = load_profile(profile_dir, framework).branding.logo
    assert (logo.width, logo.height) == (LOGO_MAX_PIXELS, 360)
    assert Image.open(io.BytesIO(logo.raster)).size == (LOGO_MAX_PIXELS, 360)


def test_jpeg_logo_is_kept_as_is(profile_dir, framework):
    data = png_bytes(fmt="JPEG")
    (profile_dir / "logo.jpg").write_bytes(data)
    write(profile_dir, "name: Acme\nlogo: logo.jpg\n")
    logo = load_profile(profile_dir, framework).branding.logo
    assert logo.raster == data and logo.raster_type == "image/jpeg"


def test_font_file_must_be_a_real_font(profile_dir, framework):
    (profile_dir / "evil.ttf").write_text("<script>")
    write(profile_dir, "name: Acme\nfont: {file: evil.ttf}\n")
    assert "evil.ttf is not a readable TrueType or OpenType font" in only_problem(profile_dir, framework)


def test_yaml_tricks_are_refused(profile_dir, framework):
    write(profile_dir, "name: &n Acme\nshort_name: *n\n")
    found = problems(profile_dir, framework)
    assert any("anchor &n is not allowed" in p for p in found)
    assert any("alias *n is not allowed" in p for p in found)
    write(profile_dir, "name: Acme\nname: Again\n")
    assert "org.yaml:2: name: duplicate key" in only_problem(profile_dir, framework)


def test_every_problem_in_one_run(profile_dir, framework):
    write(profile_dir, "name: Acme\nposter_size: A0\nmodels_in_use: [nope]\nfont: {family: Papyrus}\n")
    assert len(problems(profile_dir, framework)) == 3


def test_missing_folder(tmp_path, framework):
    assert "profile folder not found" in only_problem(tmp_path / "nowhere", framework)

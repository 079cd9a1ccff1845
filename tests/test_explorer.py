"""The explorer page as written: self-contained, its policy admitting only its own style and script,
its data the published model, organisation text inert, the same bytes every build."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.cli import main
from generator.edition import Edition, make_edition
from generator.org.branding import Branding
from generator.org.profile import load_profile
from generator.pipeline import BuildError, build
from generator.renderers.explorer.page import script_json
from generator.search_path import SearchPath
from generator.tables import responsibility_columns, responsibility_rows
from tests.hostile import copy_example

PAGE = "ai-security-responsibility-explorer.html"
HOSTILE = "</script><img src=x onerror=alert(1)><!--"
MAX_BYTES = 250 * 1024


def parts(page: str) -> dict:
    """Return the page's policy, its inline style and script, and its embedded data."""
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.S)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert [attrs for attrs, _ in scripts] == [' type="application/json" id="explorer-data"', ""]
    return {"policy": policy, "style": style, "data": json.loads(scripts[0][1]), "script": scripts[1][1]}


def sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@pytest.fixture(scope="module")
def page(build_dir) -> str:
    return (build_dir / PAGE).read_text(encoding="utf-8")


def test_the_page_is_small_and_fetches_nothing(page):
    assert len(page.encode()) <= MAX_BYTES
    # Every src and href is a data: URL or none at all; no @import, url() or font fetched.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?!data:)""", page)
    assert not re.search(r"@import|url\(|@font-face", page)


def test_the_policy_admits_exactly_its_own_style_and_script_and_no_requests(page):
    p = parts(page)
    directives = dict(d.strip().split(" ", 1) for d in p["policy"].split(";"))
    assert directives == {
        "default-src": "'none'",
        "script-src": f"'{sha(p['script'])}'",
        "style-src": f"'{sha(p['style'])}'",
        "img-src": "data:",
        "base-uri": "'none'",
        "form-action": "'none'",
    }
    assert page.index("Content-Security-Policy") < page.index("<style>")  # the policy governs what follows it
    assert not re.search(r"\son[a-z]+\s*=", page)  # no inline event handler (the policy would block it anyway)
    assert "innerHTML" not in p["script"] and "insertAdjacentHTML" not in p["script"]


def test_the_data_is_the_published_long_table(page, framework):
    data = parts(page)["data"]
    columns = responsibility_columns(framework)
    assert data["columns"] == list(columns)
    assert data["rows"] == [[row[c] for c in columns] for row in responsibility_rows(framework)]
    assert len(data["rows"]) == 128 and [m["id"] for m in data["models"]] == [m.id for m in framework.models]
    assert data["changes"]["previous_version"] == "1.0.0" and data["changes"]["cells"]
    assert data["own_default"] == []  # the reference edition picks nothing for "What do we own"


@pytest.mark.parametrize("text", [HOSTILE, "a\u2028b\u2029c", "&amp; </SCRIPT >", "<!-- <script>"])
def test_json_in_a_script_element_cannot_end_it(text):
    encoded = script_json({"name": text})
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(encoded) == {"name": text}


def test_the_same_inputs_give_the_same_bytes(tmp_path, framework):
    for out in ("a", "b"):
        build(Edition(framework, only=("explorer",)), tmp_path / out)
    assert (tmp_path / "a" / PAGE).read_bytes() == (tmp_path / "b" / PAGE).read_bytes()


def hostile_edition(tmp_path: Path, framework) -> Path:
    """Northwind with a script-like name, role name and template text; return its page."""
    org = copy_example(tmp_path)
    text = (org / "org.yaml").read_text(encoding="utf-8")
    text = text.replace("name: Northwind Analytics & Co. <Ltd>", f"name: '{HOSTILE}'")
    text = text.replace("security-leadership: Office of the CISO", f"security-leadership: '{HOSTILE}'")
    (org / "org.yaml").write_text(text, encoding="utf-8")
    override = org / "templates" / "explorer" / "texts.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(
        '{% extends "!default/explorer/texts.j2" %}{% block own_heading %}'
        "What does {{ edition.organisation }} own? " + HOSTILE + "{% endblock %}",
        encoding="utf-8",
    )
    profile = load_profile(org, framework)
    out = tmp_path / "out"
    build(make_edition(framework, profile, only=["explorer"]), out)
    return out / "northwind-analytics-explorer.html"


def test_organisation_text_is_text_in_the_page(tmp_path, framework):
    page = hostile_edition(tmp_path, framework).read_text(encoding="utf-8")
    p = parts(page)  # still exactly one data block and one script
    assert "<img src=x" not in page
    escaped = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--"
    # The override's own text and the name it shows, both escaped.
    assert f'<h2 id="own-heading">What does {escaped} own? {escaped}</h2>' in page
    assert f'<p class="sub">{escaped} edition, based on' in page  # the name, escaped
    assert HOSTILE in p["data"]["roles"]


def test_an_edition_is_branded_and_holds_its_models(tmp_path, framework):
    org = copy_example(tmp_path)
    profile = load_profile(org, framework)
    build(make_edition(framework, profile, only=["explorer"]), tmp_path / "out")
    page = (tmp_path / "out" / "northwind-analytics-explorer.html").read_text(encoding="utf-8")
    p = parts(page)
    assert re.search(r'<img class="logo" src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="Logo of Northwind', page)
    assert "Northwind Analytics &amp; Co. &lt;Ltd&gt; edition, based on" in page
    assert "#14365D" in p["style"]  # its primary colour
    assert p["data"]["own_default"] == ["saas-ai", "paas-ai", "agentic-ai", "ai-coding"]
    assert [m["id"] for m in p["data"]["models"]] == p["data"]["own_default"]
    assert "Office of the CISO" in p["data"]["roles"] and "AI Review Board" in p["data"]["roles"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("explorer.js", "alert(1)", "the explorer's page and script cannot be overridden"),
        ("explorer.html.j2", "<!DOCTYPE html><script>alert(1)</script>", "page and script cannot be overridden"),
        ("explorer.css.j2", "body{}</style><script>alert(1)</script>", "must not contain '</style'"),
        ("explorer.css.j2", "body{}<!--", "must not contain '</style' or '<!--'"),
        ("texts.j2", "§§ title\nAcme\n", "must hold the texts title, heading, subtitle"),
    ],
)
def test_an_override_that_could_escape_the_policy_or_the_texts_is_refused(tmp_path, framework, name, text, expected):
    overrides = tmp_path / "templates"
    (overrides / "explorer").mkdir(parents=True)
    (overrides / "explorer" / name).write_text(text, encoding="utf-8")
    edition = Edition(framework, Branding(), ("explorer",), SearchPath(overrides=(overrides,), assets=(tmp_path,)))
    with pytest.raises(BuildError, match=re.escape(expected)):
        build(edition, tmp_path / "out")
    assert not (tmp_path / "out" / PAGE).exists()


def test_build_org_writes_the_edition_page(tmp_path, capsys):
    org = copy_example(tmp_path)
    assert main(["build", "--org", str(org), "--out", str(tmp_path / "out"), "--only", "explorer"]) == 0
    assert (tmp_path / "out" / "northwind-analytics" / "northwind-analytics-explorer.html").is_file()


def test_a_palette_with_a_light_primary_keeps_the_header_readable(tmp_path, framework):
    branding = dataclasses.replace(Branding(), primary="#F0F0F0")
    build(Edition(framework, branding, ("explorer",)), tmp_path)
    style = parts((tmp_path / PAGE).read_text(encoding="utf-8"))["style"]
    assert ".top{display:flex;gap:1rem;align-items:center;padding:1rem;background:#F0F0F0;color:#000000}" in style


def test_a_page_override_in_a_profile_fails_the_build_with_one_line(tmp_path, capsys):
    org = copy_example(tmp_path)
    (org / "templates" / "explorer").mkdir(parents=True, exist_ok=True)
    (org / "templates" / "explorer" / "explorer.html.j2").write_text("<p>mine</p>", encoding="utf-8")
    assert main(["build", "--org", str(org), "--out", str(tmp_path / "out"), "--only", "explorer"]) == 1
    err = capsys.readouterr().err
    assert "templates/explorer/explorer.html.j2: the explorer's page and script cannot be overridden" in err
    assert "Traceback" not in err


def test_an_explorer_template_change_re_renders_only_the_explorer(tmp_path, framework):
    from generator import freshness
    from generator.search_path import TEMPLATES_DIR

    def keys(overrides: tuple[Path, ...]) -> dict[str, str]:
        inputs = freshness.Inputs(framework, Branding(), datetime(2025, 9, 26, tzinfo=UTC), TEMPLATES_DIR, overrides)
        return freshness.format_keys(["markdown", "json", "explorer"], inputs)

    (tmp_path / "explorer").mkdir()
    before = keys((tmp_path,))
    (tmp_path / "explorer" / "texts.j2").write_text('{% extends "!default/explorer/texts.j2" %}', encoding="utf-8")
    after = keys((tmp_path,))
    assert [name for name in before if before[name] != after[name]] == ["explorer"]

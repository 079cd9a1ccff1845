"""Template overrides of an organisation: the sandboxed Jinja loader (templating.py), through a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.edition import Edition
from generator.org.profile import load_profile
from generator.org.tailor import tailor
from generator.pipeline import build
from generator.search_path import SearchPath
from generator.source.load import load_framework

EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"
NAME = "Northwind Analytics & Co. <Ltd>"


def tailored():
    framework = load_framework()
    profile = load_profile(EXAMPLE, framework)
    return tailor(framework, profile), profile


def test_extending_override_changes_one_block_only(tmp_path):
    fw, profile = tailored()
    build(Edition(fw, branding=profile.branding, only=("markdown",)), tmp_path / "plain")
    build(
        Edition(fw, branding=profile.branding, only=("markdown",), search_path=profile.search_path),
        tmp_path / "over",
    )
    plain = (tmp_path / "plain" / "docs" / "index.md").read_text(encoding="utf-8")
    over = (tmp_path / "over" / "docs" / "index.md").read_text(encoding="utf-8")
    block = (
        "## Contacts at Northwind\n\n"
        "Questions about this policy go to the Office of the CISO (security@northwind.example).\n\n"
    )
    assert block in over and block not in plain
    assert over.replace(block, "") == plain
    for page in ("deployment-models.md", "obligations.md"):
        assert (tmp_path / "plain" / "docs" / page).read_bytes() == (tmp_path / "over" / "docs" / page).read_bytes()


def test_override_replaces_the_default(tmp_path):
    fw, profile = tailored()
    overrides = tmp_path / "templates" / "markdown"
    overrides.mkdir(parents=True)
    (overrides / "obligations.md.j2").write_text("# Owned by {{ edition.organisation }}\n", encoding="utf-8")
    build(
        Edition(
            fw,
            branding=profile.branding,
            only=("markdown",),
            search_path=SearchPath(overrides=(tmp_path / "templates",)),
        ),
        tmp_path / "out",
    )
    assert (tmp_path / "out" / "docs" / "obligations.md").read_text() == f"# Owned by {NAME}\n"


def override_with(tmp_path: Path, text: str) -> Path:
    overrides = tmp_path / "templates" / "markdown"
    overrides.mkdir(parents=True, exist_ok=True)
    (overrides / "index.md.j2").write_text(text, encoding="utf-8")
    return tmp_path / "templates"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "access to attribute '__init__'"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ framework.__class__ }}", "unsafe"),
        ("{{ no_such_variable }}", "index.md.j2, line 1: 'no_such_variable' is undefined"),
        ("{% if %}", "index.md.j2, line 1: Expected an expression"),
        ("{% include '/etc/passwd' %}", "/etc/passwd"),
        ("{% include '../../../../etc/passwd' %}", "passwd"),
    ],
)
def test_hostile_override_templates_fail_the_build_clearly(tmp_path, template, expected, capsys):
    fw, profile = tailored()
    before_out = tmp_path / "out"
    with pytest.raises(Exception) as info:
        build(
            Edition(
                fw,
                branding=profile.branding,
                only=("markdown",),
                search_path=SearchPath(overrides=(override_with(tmp_path, template),)),
            ),
            before_out,
        )
    message = str(info.value)
    assert message.startswith("markdown: template ") and "index.md.j2" in message
    assert expected in message
    assert not (before_out / "docs").exists()


def test_symlinked_override_outside_the_profile_is_refused(tmp_path):
    fw, profile = tailored()
    outside = tmp_path / "outside.md.j2"
    outside.write_text("secret", encoding="utf-8")
    overrides = tmp_path / "templates" / "markdown"
    overrides.mkdir(parents=True)
    (overrides / "index.md.j2").symlink_to(outside)
    with pytest.raises(Exception, match=r"index.md.j2 is a symbolic link; copy the file or folder in instead"):
        build(
            Edition(
                fw,
                branding=profile.branding,
                only=("markdown",),
                search_path=SearchPath(overrides=(tmp_path / "templates",)),
            ),
            tmp_path / "out",
        )
    assert not (tmp_path / "out" / "docs").exists()


def test_each_markdown_page_has_an_intro_block_an_override_replaces_alone(tmp_path):
    fw, profile = tailored()
    overrides = tmp_path / "templates" / "markdown"
    overrides.mkdir(parents=True)
    (overrides / "obligations.md.j2").write_text(
        '{% extends "!default/markdown/obligations.md.j2" %}\n'
        "{% block intro %}{{ edition.short_name | md_text }} owns {{ obligations | length }} duties.\n{% endblock %}\n",
        encoding="utf-8",
    )
    build(Edition(fw, branding=profile.branding, only=("markdown",)), tmp_path / "plain")
    search_path = SearchPath(overrides=(tmp_path / "templates",))
    build(Edition(fw, branding=profile.branding, only=("markdown",), search_path=search_path), tmp_path / "over")
    plain = (tmp_path / "plain" / "docs" / "obligations.md").read_text(encoding="utf-8").split("\n")
    over = (tmp_path / "over" / "docs" / "obligations.md").read_text(encoding="utf-8").split("\n")
    changed = [n for n, (a, b) in enumerate(zip(plain, over, strict=True)) if a != b]
    assert len(changed) == 1 and plain[changed[0]].startswith("Every responsibility Northwind")
    assert over[changed[0]].startswith("Northwind") and over[changed[0]].endswith(" duties.")


def test_an_unknown_markdown_block_fails_the_build_naming_file_and_line(tmp_path):
    fw, profile = tailored()
    text = '{% extends "!default/markdown/index.md.j2" %}\n{% block contact %}x{% endblock %}\n'
    search_path = SearchPath(overrides=(override_with(tmp_path, text),))
    with pytest.raises(Exception, match=r"index.md.j2, line 2: .* has no block 'contact'; did you mean 'contacts'\?"):
        build(Edition(fw, branding=profile.branding, only=("markdown",), search_path=search_path), tmp_path / "out")
    assert not (tmp_path / "out" / "docs").exists()

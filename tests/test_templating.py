"""The search path: override folders first, then the defaults; `!default/`; nothing outside them."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from generator.edition import Edition
from generator.pipeline import build
from generator.search_path import TEMPLATES_DIR, SearchPath, TemplateOutsideError
from generator.templating import make_environment, render_template

DOCX = "word/policy-pack.docx"
PAGE = "markdown/obligations.md.j2"


def test_default_template_is_found():
    assert SearchPath().find(DOCX) == TEMPLATES_DIR / DOCX


def test_override_folder_wins_in_order(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        (folder / "word").mkdir(parents=True)
    (second / DOCX).write_bytes(b"second")
    assert SearchPath(overrides=(first, second)).find(DOCX) == second / DOCX
    (first / DOCX).write_bytes(b"first")
    assert SearchPath(overrides=(first, second)).find(DOCX) == first / DOCX
    assert SearchPath(overrides=(first, second)).find("!default/" + DOCX) == TEMPLATES_DIR / DOCX


@pytest.mark.parametrize("name", ["../secret.docx", "/etc/passwd", "word/../../secret.docx", ""])
def test_names_leaving_the_folder_are_refused(tmp_path, name):
    (tmp_path / "org").mkdir()
    with pytest.raises(TemplateOutsideError, match="must be a relative path inside its folder"):
        SearchPath(overrides=(tmp_path / "org",)).find(name)


@pytest.mark.parametrize("link", ["file", "folder"])
def test_symlink_on_the_way_is_refused_even_to_a_file_inside(tmp_path, link):
    (tmp_path / "org" / "real").mkdir(parents=True)
    (tmp_path / "org" / "real" / "policy-pack.docx").write_bytes(b"inside")
    if link == "file":
        (tmp_path / "org" / "word").mkdir()
        (tmp_path / "org" / DOCX).symlink_to(tmp_path / "org" / "real" / "policy-pack.docx")
    else:
        (tmp_path / "org" / "word").symlink_to(tmp_path / "org" / "real", target_is_directory=True)
    with pytest.raises(TemplateOutsideError, match="is a symbolic link"):
        SearchPath(overrides=(tmp_path / "org",)).find(DOCX)


def test_hard_link_from_an_override_folder_is_refused(tmp_path):
    outside = tmp_path / "secret.md.j2"
    outside.write_text("secret", encoding="utf-8")
    (tmp_path / "org" / "markdown").mkdir(parents=True)
    (tmp_path / "org" / PAGE).hardlink_to(outside)
    with pytest.raises(TemplateOutsideError, match="is a hard link"):
        SearchPath(overrides=(tmp_path / "org",)).read(PAGE)


def test_missing_template_names_the_folders_searched(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"word/nope.docx not found in .*templates"):
        SearchPath(overrides=(Path(tmp_path),)).find("word/nope.docx")


# --- which file is loaded at each override level (as Pelican tests its themes) ---------


def levels(tmp_path: Path) -> tuple[Path, Path]:
    """Two override folders: `first` overrides the page; `second` overrides it and extends the default."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        (folder / "markdown").mkdir(parents=True)
    (second / PAGE).write_text('{% extends "!default/' + PAGE + '" %}{% block title %}second{% endblock %}')
    (first / PAGE).write_text("first\n")
    return first, second


def test_jinja_loads_the_file_of_each_override_level(tmp_path, framework):
    from generator.template_context import template_context

    first, second = levels(tmp_path)
    context = template_context(framework)
    cases = {(first, second): first / PAGE, (second,): second / PAGE, (): TEMPLATES_DIR / PAGE}
    for overrides, expected in cases.items():
        env = make_environment(SearchPath(overrides=overrides))
        assert env.get_template(PAGE).filename == str(expected)
    assert render_template(make_environment(SearchPath(overrides=(first, second))), PAGE, context) == "first\n"
    default = make_environment().get_template("!default/" + PAGE)
    assert default.filename == str(TEMPLATES_DIR / PAGE)


def test_word_template_of_each_override_level_is_used(tmp_path, framework):
    from tests.test_policy_pack import template_with

    first, second = tmp_path / "first", tmp_path / "second"
    for folder, text in ((first, "FIRST {{ title }}"), (second, "SECOND {{ title }}")):
        (folder / "word").mkdir(parents=True)
        template_with(folder / "word", text)
    for overrides, marker in (((first, second), "FIRST"), ((second,), "SECOND")):
        out = tmp_path / "out" / marker
        build(Edition(framework, only=("docx",), search_path=SearchPath(overrides=overrides)), out)
        text = "\n".join(p.text for p in docx.Document(next(out.glob("*.docx"))).paragraphs)
        assert marker in text and ({"FIRST", "SECOND"} - {marker}).isdisjoint(text.split())
    default = tmp_path / "out" / "default"
    build(Edition(framework, only=("docx",)), default)
    text = "\n".join(p.text for p in docx.Document(next(default.glob("*.docx"))).paragraphs)
    assert "FIRST" not in text and "SECOND" not in text

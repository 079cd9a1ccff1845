"""Compiled default templates in the user's cache: used when their key matches, never an override's."""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import pytest

from generator.edition import make_edition
from generator.pipeline import render_context
from generator.search_path import SearchPath
from generator.template_cache import DefaultTemplateCache
from generator.templating import make_environment, render_template
from generator.user_cache import folder as user_cache_folder

PAGE = "markdown/obligations.md.j2"


def _no_compiling(env: jinja2.Environment, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("compiled although cached")

    monkeypatch.setattr(env, "compile", refuse)


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "ai-srm-generator" / "templates"


def test_cache_folder_is_the_users_xdg_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_folder("templates") == tmp_path / "ai-srm-generator" / "templates"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG specification says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_folder("templates") == tmp_path / "home" / ".cache" / "ai-srm-generator" / "templates"


def test_default_template_is_compiled_once_then_loaded(cache_home, monkeypatch, framework):
    context = render_context(make_edition(framework)).context
    compiled = render_template(make_environment(), PAGE, context)
    assert sorted(p.suffix for p in cache_home.iterdir()) == [".jinja", ".jinja"]  # the page and its macros
    env = make_environment()
    _no_compiling(env, monkeypatch)
    assert render_template(env, PAGE, context) == compiled


def test_override_template_is_never_cached(cache_home, tmp_path):
    org = tmp_path / "org"
    (org / "markdown").mkdir(parents=True)
    (org / PAGE).write_text("override {{ framework.name }}\n", encoding="utf-8")
    env = make_environment(SearchPath(overrides=(org,)))
    assert render_template(env, PAGE, {"framework": {"name": "F"}}) == "override F\n"
    assert not cache_home.exists()


@pytest.fixture
def templates(tmp_path) -> Path:
    root = tmp_path / "templates"
    root.mkdir()
    (root / "page.j2").write_text("one {{ x }}", encoding="utf-8")
    return root


def _env(root: Path, folder: Path, compiler: bytes = b"c1") -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(root), bytecode_cache=DefaultTemplateCache(folder, root, compiler)
    )


def test_changed_source_or_compiler_is_compiled_again(templates, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    assert _env(templates, folder).get_template("page.j2").render(x=1) == "one 1"
    env = _env(templates, folder)
    _no_compiling(env, monkeypatch)
    assert env.get_template("page.j2").render(x=1) == "one 1"
    (templates / "page.j2").write_text("two {{ x }}", encoding="utf-8")
    assert _env(templates, folder).get_template("page.j2").render(x=1) == "two 1"
    assert len(list(folder.iterdir())) == 1  # one file per template, replaced
    compiled = []
    other = _env(templates, folder, compiler=b"c2")
    original = other.compile
    monkeypatch.setattr(other, "compile", lambda *a, **k: compiled.append(1) or original(*a, **k))
    assert other.get_template("page.j2").render(x=1) == "two 1"
    assert compiled == [1]


def test_damaged_or_unwritable_cache_is_compiled_around(templates, tmp_path):
    folder = tmp_path / "cache"
    _env(templates, folder).get_template("page.j2")
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes()[:40])  # the key intact, the code cut short
    assert _env(templates, folder).get_template("page.j2").render(x=2) == "one 2"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert _env(templates, blocked).get_template("page.j2").render(x=3) == "one 3"

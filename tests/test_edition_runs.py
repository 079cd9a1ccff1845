"""Editions in parallel: checked once, built by warm forked workers, counted off; WeasyPrint's quick import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator import editions
from generator.org.scaffold import init_org
from generator.source.load import DATA_DIR

ROOT = Path(__file__).parent.parent


@pytest.fixture
def profiles(tmp_path, framework) -> Path:
    for name in ("Alpha Ltd", "Beta Ltd", "Gamma Ltd"):
        init_org(tmp_path / "orgs" / name.split()[0].lower(), name, framework)
    return tmp_path / "orgs"


def test_editions_are_counted_off_and_returned_in_order(tmp_path, profiles, capsys):
    tasks, _ = editions.plan([profiles], DATA_DIR, None, tmp_path / "out", ["json"], None)
    results = editions.run(tasks, jobs=2)
    assert [r.slug for r in results] == ["alpha-ltd", "beta-ltd", "gamma-ltd"]
    assert all(not r.errors and r.files == 1 for r in results)
    counter = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[") and "/3]" in line]
    assert [line.split()[0] for line in counter] == ["[1/3]", "[2/3]", "[3/3]"]
    assert sorted(line.split()[1] for line in counter) == ["alpha-ltd", "beta-ltd", "gamma-ltd"]
    assert all(line.endswith(" built") for line in counter)


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_forked_workers_reuse_the_checked_framework_and_profiles(tmp_path, profiles, monkeypatch):
    tasks, _ = editions.plan([profiles], DATA_DIR, None, tmp_path / "out", ["csv"], None)

    def reload(*args, **kwargs):
        raise AssertionError("loaded again in a worker")

    monkeypatch.setattr(editions, "load_framework", reload)
    monkeypatch.setattr(editions, "load_profile", reload)
    results = editions.run(tasks, jobs=2)
    assert [r.errors for r in results] == [(), (), ()]
    assert all((tmp_path / "out" / r.slug / "responsibilities.csv").is_file() for r in results)


def test_a_failed_edition_is_counted_and_does_not_stop_the_others(tmp_path, profiles, capsys):
    broken = profiles / "beta" / "templates" / "markdown"
    broken.mkdir(parents=True)
    (broken / "index.md.j2").write_text("{% if %}\n")
    tasks, _ = editions.plan([profiles], DATA_DIR, None, tmp_path / "out", ["markdown"], None)
    results = editions.run(tasks, jobs=2)
    assert [bool(r.errors) for r in results] == [False, True, False]
    assert "beta-ltd failed" in capsys.readouterr().err


PROBE = """
import ctypes.util, sys
calls = []
search = ctypes.util.find_library
ctypes.util.find_library = lambda name: calls.append(name) or search(name)
wrapped = ctypes.util.find_library
from generator.renderers.poster.weasyprint_import import import_weasyprint
import_weasyprint()
import weasyprint, weasyprint.text.ffi as ffi
assert ctypes.util.find_library is wrapped, "find_library not restored"
print(len(calls), ffi.pango is not None, weasyprint.HTML(string="<p>x</p>").write_pdf()[:5].decode())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick import applies on Linux")
def test_weasyprint_imports_without_library_searches_and_restores_find_library():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True", "%PDF-"]

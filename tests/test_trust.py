"""The trust boundary: untrusted paths checked as given; the output folder never written through or
deleted outside; installing undone whole on any failure; leftovers of killed builds cleaned."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator import install, pipeline, trust
from generator.cli import main
from generator.edition import Edition
from generator.pipeline import BuildError, build
from tests.hostile import snapshot


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../x", "", "a\x00b"])
def test_paths_leaving_the_root_are_refused_as_given(tmp_path, name):
    with pytest.raises(trust.Refused, match="must be a relative path inside its folder"):
        trust.contained(tmp_path, name)


def test_symlink_anywhere_on_the_path_is_refused_even_pointing_inside(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(trust.Refused, match="link is a symbolic link"):
        trust.read_inside(tmp_path, "link/f", 100)


@pytest.mark.parametrize("kind", ["fifo", "hardlink", "big", "folder"])
def test_special_linked_and_big_files_are_refused_before_reading(tmp_path, kind):
    path = tmp_path / "f"
    expected = {
        "fifo": "not a regular file",
        "hardlink": "hard link",
        "big": "larger than 1 KiB",
        "folder": "not a regular file",
    }
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "hardlink":
        (tmp_path / "outside").write_text("secret")
        path.hardlink_to(tmp_path / "outside")
    elif kind == "big":
        path.write_bytes(b"x" * 2048)
    else:
        path.mkdir()
    with pytest.raises(trust.Refused, match=expected[kind]):
        trust.read_file(path, 1024)


def test_dev_zero_is_refused_without_reading():
    with pytest.raises(trust.Refused, match="not a regular file"):
        trust.read_file(Path("/dev/zero"), 1024, trusted=True)


# --- the output folder ---------------------------------------------------------------


@pytest.fixture
def previous(tmp_path, framework) -> Path:
    out = tmp_path / "out"
    build(
        Edition(
            framework,
            only=(
                "markdown",
                "json",
                "csv",
            ),
        ),
        out,
    )
    return out


def plant_entries(out: Path, entries: list[str]) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in entries:
        manifest["artifacts"].append({"path": entry, "format": "json", "size": 6, "sha256": "0" * 64})
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_manifest_entries_outside_the_output_folder_are_never_deleted(tmp_path, previous, framework):
    victim = tmp_path / "victim.txt"
    victim.write_text("victim")
    (previous / "inside").mkdir()
    (previous / "inside" / "link").symlink_to(victim)
    entries = ["../victim.txt", str(victim), "docs/../../victim.txt", "inside/link", "inside/link/x"]
    plant_entries(previous, entries)
    build(Edition(framework, only=("json",)), previous)
    assert victim.read_text() == "victim"
    assert (previous / "inside" / "link").is_symlink()
    listed = {a["path"] for a in json.loads((previous / "manifest.json").read_text())["artifacts"]}
    assert listed.isdisjoint(entries[:3])


def test_changed_file_listed_as_stale_is_kept(previous, framework):
    manifest = json.loads((previous / "manifest.json").read_text())
    manifest["artifacts"].append({"path": "mine.txt", "format": "json", "size": 4, "sha256": "0" * 64})
    (previous / "manifest.json").write_text(json.dumps(manifest))
    (previous / "mine.txt").write_text("mine")
    build(Edition(framework, only=("json",)), previous)
    assert (previous / "mine.txt").read_text() == "mine"


@pytest.mark.parametrize("planted", ["docs", "docs/models"])
def test_symlink_planted_in_the_output_folder_is_not_written_through(tmp_path, previous, framework, planted):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import shutil

    shutil.rmtree(previous / planted)
    (previous / planted).symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(previous)
    with pytest.raises(BuildError, match=f"{planted} is a symbolic link"):
        build(Edition(framework, only=("markdown",)), previous)
    assert list(elsewhere.iterdir()) == []
    assert snapshot(previous) == before


def test_edition_folder_planted_as_symlink_is_refused(tmp_path, framework, capsys):
    from tests.hostile import copy_example

    org = copy_example(tmp_path)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "northwind-analytics").symlink_to(elsewhere, target_is_directory=True)
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "json"]) == 1
    assert "northwind-analytics is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_folder_planted_where_a_file_goes_leaves_everything_as_it_was(previous, framework, capsys):
    (previous / "responsibilities.csv").unlink()
    (previous / "responsibilities.csv").mkdir()
    before = snapshot(previous)
    assert main(["build", "--out", str(previous), "--only", "json,csv"]) == 1
    err = capsys.readouterr().err
    assert "responsibilities.csv is a folder where the build writes a file" in err
    assert "Traceback" not in err and [line for line in err.splitlines() if "error" in line] == [err_line(err)]
    assert snapshot(previous) == before


def err_line(err: str) -> str:
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    return line


@pytest.mark.parametrize("failing_move", [1, 4, -1])
def test_a_move_failing_midway_is_undone_whole(previous, framework, monkeypatch, failing_move):
    """Every move of the install fails in turn (first, a middle one, the manifest): nothing changes."""
    (previous / "docs" / "index.md").write_text("changed since")  # so a rollback is visible
    before = snapshot(previous)
    real_rename, calls = os.rename, []

    def flaky(source, target):
        calls.append(target)
        is_manifest = Path(target).name == "manifest.json" and failing_move == -1
        if len(calls) == failing_move or is_manifest:
            raise OSError(28, "No space left on device", str(target))
        return real_rename(source, target)

    monkeypatch.setattr(install.os, "rename", flaky)
    with pytest.raises(BuildError, match="No space left on device"):
        build(
            Edition(
                framework,
                only=(
                    "markdown",
                    "json",
                ),
            ),
            previous,
        )
    monkeypatch.setattr(install.os, "rename", real_rename)
    assert snapshot(previous) == before


def test_manifest_planted_as_symlink_does_not_write_outside(tmp_path, previous, framework):
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    (previous / "manifest.json").unlink()
    (previous / "manifest.json").symlink_to(victim)
    build(Edition(framework, only=("json",)), previous)
    assert victim.read_text() == "{}"
    assert not (previous / "manifest.json").is_symlink()


def test_leftovers_of_a_killed_build_are_cleaned(previous, framework):
    dead = previous / ".staging-dead"
    (dead / "docs").mkdir(parents=True)
    (dead / install.OWNER_FILE).write_text("999999999")
    unowned = previous / ".staging-unowned"
    unowned.mkdir()
    alive = previous / ".staging-alive"
    alive.mkdir()
    (alive / install.OWNER_FILE).write_text(str(os.getppid()))
    build(Edition(framework, only=("json",)), previous)
    assert not dead.exists() and not unowned.exists()
    assert alive.exists()  # another running build's staging folder is left alone


def test_renderer_temporary_files_live_in_the_staging_folder(tmp_path, framework, monkeypatch):
    import tempfile

    seen = []
    real = pipeline.by_name()["json"]
    monkeypatch.setattr(type(real), "render", lambda self, ctx, out: seen.append(tempfile.gettempdir()) or [])
    build(Edition(framework, only=("json",)), tmp_path / "out")
    assert Path(seen[0]).parent.name.startswith(".staging-")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".staging-")]


def test_out_naming_a_file_or_an_unwritable_folder_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    target = tmp_path / "file"
    target.write_text("keep")
    with pytest.raises(SystemExit) as usage:  # a file typed where a folder is expected: wrong usage
        main(["build", "--out", str(target), "--only", "json"])
    err = capsys.readouterr().err
    assert usage.value.code == 2 and "file is not a folder" in err and "Traceback" not in err
    assert target.read_text() == "keep"

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "ro"))

    monkeypatch.setattr(install.tempfile, "mkdtemp", denied)
    assert main(["build", "--out", str(tmp_path / "ro"), "--only", "json"]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "Permission denied" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "error" in line]) == 1


def test_poster_fetcher_refuses_a_hard_link_out_of_the_profile(tmp_path):
    from generator.renderers.poster.fetcher import ContainedFetcher, ResourceRefused
    from generator.search_path import SearchPath

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "logo.png").hardlink_to(secret)
    fetcher = ContainedFetcher(SearchPath(assets=(tmp_path / "org",)))
    with pytest.raises(ResourceRefused, match="is a hard link"):
        fetcher.fetch((tmp_path / "org" / "logo.png").as_uri())


@pytest.mark.parametrize("killed_at", [1, 3, 6, -1])
def test_install_killed_midway_is_rolled_back_by_the_next_build(tmp_path, previous, killed_at):
    """A build process dies at the Nth move of its install; the next build first restores the old output."""
    import subprocess
    import sys

    (previous / "docs" / "index.md").write_text("changed since")
    before = snapshot(previous)
    script = f"""
import os, sys
from generator import install, pipeline
from generator.edition import Edition
from generator.source.load import load_framework
calls, real = [], os.rename
def dying(source, target):
    calls.append(target)
    if len(calls) == {killed_at} or ({killed_at} == -1 and str(target).endswith("manifest.json")):
        os._exit(9)
    return real(source, target)
install.os.rename = dying
pipeline.build(Edition(load_framework(), only=("markdown", "json",)), pipeline.Path(sys.argv[1]))
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run([sys.executable, "-c", script, str(previous)], env=env, check=False)
    assert done.returncode == 9
    assert [p for p in previous.iterdir() if p.name.startswith(".staging-")]  # what the killed build left
    install.shutil.rmtree(install.open_staging(previous))  # what the next build does first
    assert snapshot(previous) == before

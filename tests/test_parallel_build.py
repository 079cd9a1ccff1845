"""One build on two processes (pipeline.build(jobs=2), forked.py): the poster renders in a forked child."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import tempfile
import time
from functools import partial
from pathlib import Path

import pytest

from generator import font_subsetter, forked, install, limits, pipeline
from generator.cli import main
from generator.edition import make_edition
from generator.pipeline import BuildError, build
from generator.renderers import RENDERERS, by_name
from generator.renderers.poster import pdf as poster_pdf
from generator.renderers.poster.pdf import PosterJob
from generator.source.load import DATA_DIR, load_previous

pytestmark = pytest.mark.skipif(not forked.available(), reason="needs os.fork and a single-threaded test process")

POSTER = type(by_name()["pdf"])


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def children() -> set[int]:
    """The processes, zombies included, whose parent is this test process (read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def recorded(monkeypatch, name: str) -> list:
    """Replace forked.<name> with a subclass that records every instance made; return the record."""
    started: list = []
    base = getattr(forked, name)

    class Recorded(base):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(forked, name, Recorded)
    return started


@pytest.fixture
def forks(monkeypatch) -> list[forked.Forked]:
    """Every child the build forks, recorded, so a test knows the parallel path really ran."""
    return recorded(monkeypatch, "Forked")


@pytest.fixture
def no_leftover_children():
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see child processes")
    before = children()
    yield
    assert children() - before == set(), "the build left a child process (running or a zombie)"


def edition(framework, **options):
    return make_edition(framework, previous=load_previous(framework, DATA_DIR), **options)


def test_parallel_build_is_byte_identical_to_the_sequential_one(tmp_path, framework, forks, no_leftover_children):
    sequential, parallel = [], []
    build(edition(framework), tmp_path / "one", sequential.append, jobs=1)
    assert forks == []
    build(edition(framework), tmp_path / "two", parallel.append, jobs=2)
    assert len(forks) == 1
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []
    assert "pdf" in {a["format"] for a in json.loads(two["manifest.json"])["artifacts"]}
    assert [line.split()[0] for line in parallel] == [line.split()[0] for line in sequential]


def test_progress_names_every_format_in_registry_order(tmp_path, framework, forks, no_leftover_children):
    lines: list[str] = []
    build(edition(framework), tmp_path, lines.append, jobs=2)
    assert len(forks) == 1
    assert [line.split()[0] for line in lines] == [r.name for r in RENDERERS]
    pdf_line = next(line for line in lines if line.split()[0] == "pdf")
    assert pdf_line.split()[1:3] == ["2", "files"] and pdf_line.endswith(" s")
    lines.clear()
    build(edition(framework, only=("pdf", "json", "docx")), tmp_path, lines.append, jobs=2)  # all up to date
    assert lines == [f"  {name:<10} up to date" for name in ("json", "pdf", "docx")]
    assert len(forks) == 1  # nothing to render, nothing forked


def test_a_failing_poster_in_the_child_fails_the_build_and_keeps_the_output(
    tmp_path, tmp_path_factory, framework, monkeypatch, forks, no_leftover_children
):
    build(edition(framework), tmp_path)
    before = tree(tmp_path)
    marker = tmp_path_factory.mktemp("markers") / "poster-pid"  # this test's own: beside the output, not in it

    def broken(self, ctx, out_dir):
        marker.write_text(str(os.getpid()))
        (out_dir / "poster-half-written.pdf").write_bytes(b"%PDF-")
        raise RuntimeError("the poster's ink ran out")

    monkeypatch.setattr(POSTER, "render", broken)  # before the build: the forked child inherits it
    with pytest.raises(BuildError) as sequential:
        build(edition(framework), tmp_path, force=True, jobs=1)
    with pytest.raises(BuildError) as parallel:
        build(edition(framework), tmp_path, force=True, jobs=2)
    assert len(forks) == 1 and int(marker.read_text()) != os.getpid()  # it failed in the child
    assert str(parallel.value) == str(sequential.value) == "pdf: the poster's ink ran out"
    assert tree(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")]


def test_a_failing_format_in_the_parent_kills_and_reaps_the_child(
    tmp_path, tmp_path_factory, framework, monkeypatch, forks, no_leftover_children
):
    build(edition(framework), tmp_path)
    before = tree(tmp_path)
    markers = tmp_path_factory.mktemp("markers")  # this test's own (another test's leftover pid would pass the wait)
    marker, finished = markers / "poster-pid", markers / "poster-finished"

    def hang(self, ctx, out_dir):
        marker.write_text(str(os.getpid()))
        time.sleep(120)
        finished.touch()
        return []

    def broken(self, ctx, out_dir):
        for _ in range(1200):  # let the child start hanging first (up to a minute on a loaded machine)
            if marker.exists() and marker.read_text():
                break
            time.sleep(0.05)
        raise RuntimeError("markdown lost its headings")

    monkeypatch.setattr(POSTER, "render", hang)
    monkeypatch.setattr(type(by_name()["markdown"]), "render", broken)
    with pytest.raises(BuildError, match=r"^markdown: markdown lost its headings$"):
        build(edition(framework), tmp_path, force=True, jobs=2)
    assert not finished.exists()  # the hanging poster was stopped, not waited for
    child = int(marker.read_text())
    assert len(forks) == 1 and child != os.getpid()
    assert not Path(f"/proc/{child}").exists()  # killed and reaped, not even a zombie
    assert tree(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")]


@pytest.mark.parametrize(
    ("poster_fails", "expected"),
    [(True, "pdf: the poster's ink ran out"), (False, "docx: the policy pack jammed")],
)
def test_the_first_failing_format_in_registry_order_is_reported(
    tmp_path, framework, monkeypatch, forks, no_leftover_children, poster_fails, expected
):
    """docx (rendered by the parent) comes after pdf (the child): the error is the one a sequential build gives."""
    real_poster = POSTER.render

    def poster(self, ctx, out_dir):
        if poster_fails:
            raise RuntimeError("the poster's ink ran out")
        return real_poster(self, ctx, out_dir)

    def docx(self, ctx, out_dir):
        raise RuntimeError("the policy pack jammed")

    monkeypatch.setattr(POSTER, "render", poster)
    monkeypatch.setattr(type(by_name()["docx"]), "render", docx)
    lines: list[str] = []
    for jobs in (1, 2):
        lines.clear()
        with pytest.raises(BuildError) as failure:
            build(edition(framework), tmp_path / str(jobs), lines.append, jobs=jobs)
        assert str(failure.value) == expected
        names = [line.split()[0] for line in lines]
        assert names == ["markdown", "json", "csv", "xlsx"] + ([] if poster_fails else ["pdf"])
    assert len(forks) == 1


def test_the_time_limit_holds_in_the_child(tmp_path, framework, monkeypatch, forks, no_leftover_children):
    def slow(self, ctx, out_dir):
        time.sleep(60)
        return []

    monkeypatch.setattr(POSTER, "render", slow)
    monkeypatch.setattr(limits, "FORMAT_SECONDS", 0.5)
    with pytest.raises(BuildError, match=r"^pdf: the pdf format took longer than 0.5 s; simplify the template$"):
        build(edition(framework, only=("json", "pdf")), tmp_path, jobs=2)
    assert len(forks) == 1


def test_a_child_deaf_to_its_time_limit_is_killed_by_the_parent(
    tmp_path, framework, monkeypatch, forks, no_leftover_children
):
    def deaf(self, ctx, out_dir):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)  # its own limit can no longer stop it
        time.sleep(60)
        return []

    monkeypatch.setattr(POSTER, "render", deaf)
    monkeypatch.setattr(limits, "FORMAT_SECONDS", 0.3)
    monkeypatch.setattr(pipeline, "FORK_GRACE_SECONDS", 0.3)
    with pytest.raises(BuildError, match=r"^pdf: its process took longer than 0.6 s and was stopped$"):
        build(edition(framework, only=("json", "pdf")), tmp_path, jobs=2)
    assert len(forks) == 1


def test_a_child_that_dies_is_reported_with_its_format(tmp_path, framework, monkeypatch, no_leftover_children):
    test_process = os.getpid()

    def dies(self, ctx, out_dir):
        if os.getpid() == test_process:  # never end the test run itself
            raise RuntimeError("the poster was not forked")
        os._exit(3)

    monkeypatch.setattr(POSTER, "render", dies)
    with pytest.raises(BuildError, match=r"^pdf: its process ended without a result \(exit status 3\)$"):
        build(edition(framework, only=("json", "pdf")), tmp_path, jobs=2)


@pytest.mark.parametrize(("argv", "jobs"), [([], os.cpu_count() or 1), (["--jobs", "1"], 1), (["--jobs", "2"], 2)])
def test_the_build_command_uses_a_process_per_core_unless_told(tmp_path, monkeypatch, argv, jobs):
    seen = []

    def fake_build(edition, out_dir, progress, force=False, jobs=1, standby=None):
        seen.append(jobs)
        return []

    monkeypatch.setattr("generator.cli.build", fake_build)
    assert main(["build", "--out", str(tmp_path), "--only", "json", *argv]) == 0
    assert seen == [jobs]


def test_the_childs_font_subsetter_reaches_the_manifest_and_the_warning(
    tmp_path, framework, monkeypatch, forks, no_leftover_children
):
    """Only the child loads WeasyPrint in a fresh process: its subsetter, not the parent's none, is recorded."""
    test_process = os.getpid()
    monkeypatch.setattr(font_subsetter, "used", lambda: None if os.getpid() == test_process else "fonttools")
    lines: list[str] = []
    build(edition(framework, only=("json", "pdf")), tmp_path, lines.append, jobs=2)
    assert len(forks) == 1
    assert json.loads((tmp_path / "manifest.json").read_text())["formats"]["pdf"]["font_subsetter"] == "fonttools"
    assert lines[-1] == font_subsetter.FALLBACK_WARNING


def test_a_refused_fork_renders_everything_in_the_build_process(tmp_path, framework, monkeypatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    open_files = set(os.listdir("/proc/self/fd"))
    lines: list[str] = []
    build(edition(framework, only=("json", "pdf")), tmp_path, lines.append, jobs=2)
    assert [line.split()[0] for line in lines] == ["json", "pdf"]
    assert {a["format"] for a in json.loads((tmp_path / "manifest.json").read_text())["artifacts"]} == {"json", "pdf"}
    assert set(os.listdir("/proc/self/fd")) == open_files  # the pipe was closed


@pytest.fixture
def standbys(monkeypatch) -> list[forked.Standby]:
    """Every standby child the build command forks, recorded."""
    return recorded(monkeypatch, "Standby")


def test_the_build_command_prepares_the_posters_process_while_loading_and_builds_the_same_bytes(
    tmp_path, standbys, forks, no_leftover_children
):
    assert main(["build", "--out", str(tmp_path / "one"), "--jobs", "1"]) == 0
    assert standbys == []
    assert main(["build", "--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    assert len(standbys) == 1 and forks == []  # the poster went to the standby child, nothing else was forked
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [(["--only", "json,csv"], 0), (["--jobs", "1"], 0), (["--only", "pdf"], 1), ([], 1)],
)
def test_a_standby_child_is_forked_only_when_the_build_may_render_the_poster_in_it(
    tmp_path, standbys, no_leftover_children, argv, expected
):
    assert main(["build", "--out", str(tmp_path), "--jobs", "2", *argv]) == 0
    assert len(standbys) == expected


def test_a_standby_child_without_a_job_is_stopped_and_reaped(tmp_path, standbys, no_leftover_children, capsys):
    assert main(["build", "--out", str(tmp_path), "--jobs", "2"]) == 0
    assert main(["build", "--out", str(tmp_path), "--jobs", "2"]) == 0  # everything up to date: no job
    assert "pdf        up to date" in capsys.readouterr().err
    assert len(standbys) == 2


def test_a_load_error_stops_the_standby_child(tmp_path, data_copy, standbys, no_leftover_children, capsys):
    roles = data_copy / "frameworks" / "ai-security-shared-responsibility" / "roles.yaml"
    roles.write_text("roles: [\n", encoding="utf-8")
    assert main(["--data", str(data_copy), "build", "--out", str(tmp_path / "out"), "--jobs", "2"]) == 1
    assert "roles.yaml" in capsys.readouterr().err
    assert len(standbys) == 1 and not (tmp_path / "out").exists()


def test_a_standby_child_that_died_before_its_job_fails_the_build_and_keeps_the_output(
    tmp_path, framework, no_leftover_children
):
    build(edition(framework), tmp_path)
    before = tree(tmp_path)
    with pipeline.poster_standby(None, 2) as standby:
        assert standby is not None
        os.kill(standby._pid, signal.SIGKILL)
        with pytest.raises(BuildError, match=r"^pdf: its process ended without a result \(killed by signal 9\)$"):
            build(edition(framework), tmp_path, force=True, jobs=2, standby=standby)
    assert tree(tmp_path) == before


def test_the_standby_childs_temporary_files_live_in_the_staging_folder(tmp_path, framework, monkeypatch):
    def finish(self, out_dir):  # the part of the poster the standby child renders, after the build process's `prepare`
        (out_dir / "tempdir.txt").write_text(tempfile.gettempdir() + "\n" + str(os.getpid()))
        return [Path("tempdir.txt")]

    monkeypatch.setattr(PosterJob, "__call__", finish)
    with pipeline.poster_standby(None, 2) as standby:
        build(edition(framework, only=("json", "pdf")), tmp_path, jobs=2, standby=standby)
    where, pid = (tmp_path / "tempdir.txt").read_text().splitlines()
    assert int(pid) != os.getpid()
    assert Path(where).parent.parent == tmp_path and Path(where).parent.name.startswith(install.STAGING_PREFIX)


def echo(value):
    return value


def failing_import():
    raise ImportError("no WeasyPrint here")


def test_a_standby_job_larger_than_a_pipe_arrives_whole(no_leftover_children):
    payload = "x" * (4 * 1024 * 1024)  # a pipe holds 64 KiB: the job travels in memory instead
    with forked.Standby(lambda: None, "echo") as standby:
        assert standby.start(partial(echo, payload), timeout=30).result() == payload


def test_a_failing_preparation_leaves_the_job_to_report_its_own_failure(no_leftover_children):
    with forked.Standby(failing_import, "echo") as standby:
        handle = standby.start(partial(failing_import), timeout=30)
        with pytest.raises(forked.ChildFailed, match=r"^no WeasyPrint here$"):
            handle.result()


def test_a_standby_child_takes_one_job(no_leftover_children):
    standby = forked.Standby(lambda: None, "echo")
    standby.start(partial(echo, 1), timeout=30).result()
    with pytest.raises(RuntimeError, match="already been given its job"):
        standby.start(partial(echo, 2), timeout=30)
    standby.stop()
    standby.stop()  # safe to repeat


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "northwind-analytics"


def test_a_single_edition_renders_its_poster_in_a_standby_child_with_the_same_bytes(
    tmp_path, standbys, no_leftover_children
):
    assert main(["build", "--org", str(EXAMPLE), "--out", str(tmp_path / "one"), "--jobs", "1"]) == 0
    assert standbys == []
    assert main(["build", "--org", str(EXAMPLE), "--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    assert len(standbys) == 1
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one.keys() == two.keys() and [name for name in one if one[name] != two[name]] == []


def test_several_editions_use_their_workers_not_a_standby_child(tmp_path, standbys, no_leftover_children):
    for name in ("a", "b"):
        shutil.copytree(EXAMPLE, tmp_path / "orgs" / name)
        profile = tmp_path / "orgs" / name / "org.yaml"
        profile.write_text(profile.read_text().replace("file_prefix: northwind-analytics", f"file_prefix: org-{name}"))
    assert main(["build", "--org", str(tmp_path / "orgs"), "--out", str(tmp_path / "out"), "--jobs", "2"]) == 0
    assert standbys == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["org-a", "org-b"]


def test_a_poster_that_fails_before_its_process_reports_as_in_one_process(
    tmp_path, framework, monkeypatch, no_leftover_children
):
    def broken(ctx):
        raise ValueError("no poster context")

    monkeypatch.setattr(poster_pdf, "poster_context", broken)  # run by `prepare`, in this process
    errors = []
    for jobs in (1, 2):
        with pipeline.poster_standby(None, jobs) as standby, pytest.raises(BuildError) as failed:
            build(edition(framework, only=("json", "pdf")), tmp_path / str(jobs), jobs=jobs, standby=standby)
        errors.append(str(failed.value))
    assert errors == ["pdf: no poster context"] * 2
    assert not list(tmp_path.rglob("*.json"))  # the output folders are left as they were: empty


def test_a_forked_child_runs_without_the_garbage_collector(no_leftover_children):
    assert forked.Forked(gc.isenabled, timeout=30, label="probe").result() is False
    with forked.Standby(lambda: None, "probe") as standby:
        assert standby.start(partial(gc.isenabled), timeout=30).result() is False
    assert gc.isenabled()  # this process keeps collecting

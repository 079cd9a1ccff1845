"""The command line as a user meets it: exit status, `--version`, usage errors (exit 2, one line, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__, cli
from generator.cli import USES, main
from generator.source.load import available_versions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "northwind-analytics"
FRAMEWORKS = available_versions(ROOT / "data")


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its bytes (None for a folder or a symlink)."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() or p.is_symlink() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def test_a_build_process_exits_zero_with_every_file_complete(tmp_path):
    done = run("build", "--out", str(tmp_path), "--only", "json,csv,markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ") and done.stdout.endswith("manifest.json\n")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    for artifact in manifest["artifacts"]:
        assert (tmp_path / artifact["path"]).stat().st_size == artifact["size"]


def test_version_names_the_generator_and_every_framework_version_it_carries():
    done = run("--version")
    assert done.returncode == 0 and done.stderr == ""
    assert FRAMEWORKS == ["1.0.0", "1.1.0"]  # the data this checkout carries
    assert (
        done.stdout == f"ai-srm-generator {__version__} (frameworks: ai-security-shared-responsibility 1.0.0, 1.1.0)\n"
    )


def test_a_usage_error_exits_2_before_any_work_with_one_line(tmp_path):
    done = run("build", "--out", str(tmp_path / "out"), "--only", "pfd")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "python -m generator build: error: argument --only: unknown format pfd; expected one of markdown, json, csv, "
        "xlsx, pdf, docx, oscal, ciso, explorer; `python -m generator build --help` lists the options"
    ]
    assert not (tmp_path / "out").exists()


# Every usage error of every command: (arguments, the option named, what the line says). In the arguments
# FILE is a file, LINK a symlink to a folder, EMPTY an empty folder, MISSING a path that does not exist,
# OUT a folder that does not exist yet, EXAMPLE the example profile.
USAGE_ERRORS = [
    (["--data", "MISSING", "validate"], "--data", "MISSING: no such folder; give the data folder"),
    (["--data", "FILE", "validate"], "--data", "FILE is not a folder; give the data folder"),
    (["--framework-version", "9.9", "validate"], "--framework-version", "version 9.9 not found; expected one of"),
    (["--framework-version", "9.9", "build", "--out", "OUT"], "--framework-version", "expected one of 1.0.0, 1.1.0"),
    (["build", "--out", "OUT", "--only", "pfd"], "--only", "unknown format pfd; expected one of markdown, json"),
    (["build", "--out", "OUT", "--only", "pdf,nope"], "--only", "unknown format nope;"),
    (["build", "--out", "OUT", "--only", ","], "--only", "no format in ','; expected one or more of markdown"),
    (["build", "--out", "FILE"], "--out", "FILE is not a folder; give a folder for the output (made if missing)"),
    (["build", "--out", "FILE/sub"], "--out", "FILE is not a folder, so FILE/sub cannot be made; give a folder"),
    (["build", "--out", "LINK"], "--out", "LINK is a symbolic link; give the real folder for the output"),
    (["build", "--out", "OUT", "--org", "MISSING"], "--org", "MISSING: no such folder; make a profile with `"),
    (["build", "--out", "OUT", "--org", "EXAMPLE/org.yaml"], "--org", "org.yaml is a file; give its folder: EXAMPLE"),
    (["build", "--out", "OUT", "--org", "FILE"], "--org", "FILE is a file; give the profile's folder"),
    (["build", "--out", "OUT", "--org", "EMPTY"], "--org", "EMPTY holds no org.yaml, nor does any folder in it"),
    (["build", "--out", "OUT", "--org", "EXAMPLE", "--org", "EXAMPLE"], "--org", "EXAMPLE is given more than once"),
    (["build", "--out", "OUT", "--jobs", "0"], "--jobs", "expected a whole number of at least 1"),
    (["build", "--out", "OUT", "--poster-size", "A0"], "--poster-size", "invalid choice: 'A0' (choose from"),
    (["build", "--out", "OUT", "--bogus"], None, "unrecognized arguments: --bogus"),
    (["release", "--out", "FILE"], "--out", "FILE is not a folder; give a folder for the output"),
    (["release", "--out", "OUT", "--org", "EXAMPLE/org.yaml"], "--org", "org.yaml is a file; give its folder"),
    (["release", "--out", "OUT", "--org", "MISSING"], "--org", "MISSING: no such folder"),
    (["release", "--out", "OUT", "--poster-size", "B5"], "--poster-size", "invalid choice: 'B5'"),
    (["--framework-version", "2.0.0", "release", "--out", "OUT"], "--framework-version", "version 2.0.0 not found"),
    (["init-org", "FILE", "--name", "Acme"], "DIR", "FILE is not a folder; give a folder for the new profile"),
    (["init-org", "FILE/acme", "--name", "Acme"], "DIR", "FILE is not a folder, so FILE/acme cannot be made"),
    (["init-org", "OUT", "--name", " "], "--name", "expected the organisation's name on one line"),
    (["init-org", "OUT"], None, "the following arguments are required: --name"),
    (["--data", "MISSING", "init-org", "OUT", "--name", "Acme"], "--data", "MISSING: no such folder"),
    (["templates", "--org", "MISSING"], "--org", "MISSING: no such folder; make a profile with `"),
    (["templates", "--org", "EXAMPLE/org.yaml"], "--org", "org.yaml is a file; give its folder: EXAMPLE"),
    (["templates", "--org", "EMPTY"], "--org", "EMPTY holds no org.yaml; give a profile's folder"),
    (["templates", "--org", "EXAMPLE/.."], "--org", "holds no org.yaml; give a profile's folder"),  # one profile
    (["--data", "EMPTY", "templates"], "--data", "templates does not use it; drop it"),
    (["--framework-version", "1.0.0", "templates"], "--framework-version", "templates does not use it"),
    (["changes", "--from", "9"], "--from", "version 9 not found; expected one of 1.0.0, 1.1.0"),
    (["changes", "--to", "0.9.0"], "--to", "version 0.9.0 not found"),
    (["changes", "--from", "1.1.0", "--to", "1.0.0"], "--from", "1.1.0 is not older than 1.0.0 (--to)"),
    (["changes", "--from", "1.1.0"], "--from", "1.1.0 is not older than 1.1.0"),
    (["--framework-version", "1.0.0", "changes"], "--framework-version", "changes does not use it"),
    (["verify", "MISSING"], "PATH", "MISSING: no such file or folder; give a release zip or its unpacked folder"),
    (["verify"], None, "the following arguments are required: PATH"),
    (["--data", "EMPTY", "verify", "FILE"], "--data", "verify does not use it"),
    (["import-raci", "MISSING", "--org", "EXAMPLE"], "WORKBOOK", "MISSING: no such file; give the edition's RACI"),
    (["import-raci", "EMPTY", "--org", "EXAMPLE"], "WORKBOOK", "EMPTY is a folder; give the edition's RACI"),
    (["import-raci", "FILE", "--org", "EXAMPLE/org.yaml"], "--org", "org.yaml is a file; give its folder"),
    (["import-raci", "FILE", "--org", "EXAMPLE/.."], "--org", "holds no org.yaml; give a profile's folder"),
    (["import-raci", "FILE"], None, "the following arguments are required: --org"),
    (["--framework-version", "9", "import-raci", "FILE", "--org", "EXAMPLE"], "--framework-version", "not found"),
    (["schema", "--out", "FILE"], "--out", "FILE is not a folder; give a folder for the output"),
    (["--data", "FILE", "schema"], "--data", "FILE is not a folder"),
    (["--framework-version", "1.1.0", "schema"], "--framework-version", "schema does not use it; drop it"),
    (["bogus"], "COMMAND", "invalid choice: 'bogus'"),
    ([], None, "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("args", "option", "says"), USAGE_ERRORS, ids=[" ".join(case[0]) for case in USAGE_ERRORS])
def test_every_usage_error_exits_2_with_one_line_naming_the_option_and_writes_nothing(
    args, option, says, tmp_path, capsys, monkeypatch
):
    work = tmp_path / "work"  # the current folder: a default output folder (build/, dist/) would appear here
    work.mkdir()
    (work / "FILE").write_text("a file")
    (work / "EMPTY").mkdir()
    (work / "LINK").symlink_to(work / "EMPTY", target_is_directory=True)
    monkeypatch.chdir(work)
    before = snapshot(work)
    example = os.path.relpath(EXAMPLE, work)
    argv = [arg.replace("EXAMPLE", example) for arg in args]
    with pytest.raises(SystemExit) as usage:
        main(argv, prog="ai-srm")
    out, err = capsys.readouterr()
    assert usage.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("ai-srm") and "Traceback" not in err
    assert f"error: argument {option}: " in err if option else "error: " in err
    assert says.replace("EXAMPLE", example) in err
    assert snapshot(work) == before


def test_the_usage_errors_cover_every_command():
    commands = {next((a for a in args if a in USES), None) for args, _, _ in USAGE_ERRORS}
    assert commands - {None} == set(USES)


def test_init_org_names_the_command_the_user_ran(tmp_path, capsys):
    assert main(["init-org", str(tmp_path / "acme"), "--name", "Acme"], prog="ai-srm") == 0
    assert f"then run `ai-srm build --org {tmp_path / 'acme'}`" in capsys.readouterr().out


def test_schema_writes_into_the_data_folder_given(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    assert main(["--data", str(data), "schema"]) == 0
    assert f"schemas to {data / 'schema'}/" in capsys.readouterr().out
    assert sorted(p.name for p in (data / "schema").iterdir()) == sorted(
        p.name for p in (ROOT / "data" / "schema").iterdir()
    )


def test_an_install_without_its_clone_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "DATA_DIR", tmp_path / "site-packages" / "data")  # as a non-editable install finds it
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: {tmp_path / 'site-packages' / 'data'} is missing: the generator reads data/ and templates/ from "
        "its clone; install it there with `python -m pip install -c constraints.txt -e .`"
    ]


@pytest.mark.parametrize(
    ("command", "inside", "what"),
    [("build", "data/frameworks/9.9.9", "the data folder"), ("release", "templates/out", "the templates folder")],
)
def test_an_output_folder_inside_what_the_build_reads_is_a_usage_error(command, inside, what, capsys):
    target = Path(__file__).parent.parent / inside
    with pytest.raises(SystemExit) as usage:
        main([command, "--out", str(target)], prog="ai-srm")
    err = capsys.readouterr().err
    assert usage.value.code == 2 and f"error: argument --out: {target} is inside {what}" in err
    assert not target.exists()

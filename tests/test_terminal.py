"""What the commands print: untrusted text cannot act on the terminal, run away, or fail to encode."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from generator import terminal
from generator.cli import main
from tests.hostile import copy_example

ROOT = Path(__file__).parent.parent


def test_printable_escapes_controls_and_shortens_lines():
    assert terminal.printable("ok\r\x1b[32mintact\u202e\n\tnext") == "ok\\r\\x1b[32mintact\\u202e\n\tnext"
    long = terminal.printable("x" * 5000 + "\nshort")
    assert long.splitlines() == ["x" * terminal.MAX_LINE + "... (4000 more characters)", "short"]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    assert main(["release", "--out", str(out)]) == 0
    return next(out.glob("*.zip"))


def test_a_member_name_cannot_fake_a_line_of_verify(release, tmp_path, capsys):
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(release) as old, zipfile.ZipFile(hostile, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        folder = old.namelist()[0].split("/")[0]
        new.writestr(f"{folder}/x\r\x1b[2K\x1b[32mintact: 99 files match", b"")
    assert main(["verify", str(hostile)]) == 1
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert "\r" not in printed and "\x1b" not in printed
    assert "x\\r\\x1b[2K\\x1b[32mintact: 99 files match" in printed


def test_a_huge_cell_value_is_not_echoed_whole(tmp_path, capsys):
    org = copy_example(tmp_path)
    out = tmp_path / "out"
    assert main(["build", "--org", str(org), "--out", str(out), "--only", "xlsx"]) == 0
    workbook = next(out.rglob("*-raci.xlsx"))
    wb = openpyxl.load_workbook(workbook)
    wb["RACI"]["D2"] = "R" + "x" * 30_000
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    capsys.readouterr()
    assert main(["import-raci", str(edited), "--org", str(org)]) == 1
    err = capsys.readouterr().err
    assert max(len(line) for line in err.splitlines()) <= terminal.MAX_LINE + 40
    assert "more characters)" in err


def test_an_unencodable_terminal_gets_escapes_not_a_failure_after_the_write(tmp_path):
    org = copy_example(tmp_path)
    out = tmp_path / "out"
    assert main(["build", "--org", str(org), "--out", str(out), "--only", "xlsx"]) == 0
    workbook = next(out.rglob("*-raci.xlsx"))
    wb = openpyxl.load_workbook(workbook)
    heading = next(c for c in wb["RACI"][1] if c.value == "Data Science & Engineering")
    heading.value = "Data Science Ω"  # not in cp1252
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "cp1252"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "import-raci", str(edited), "--org", str(org)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"Data Science \\u03a9" in done.stdout
    assert "Data Science Ω" in (org / "org.yaml").read_text(encoding="utf-8")

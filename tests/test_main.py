"""`python -m generator` as a process: exit status, output, and files complete at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_a_build_process_exits_zero_with_every_file_complete(tmp_path):
    done = run("build", "--out", str(tmp_path), "--only", "json,csv,markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ") and done.stdout.endswith("manifest.json\n")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    for artifact in manifest["artifacts"]:
        assert (tmp_path / artifact["path"]).stat().st_size == artifact["size"]


def test_a_failing_command_exits_with_its_status_and_says_why_on_stderr(tmp_path):
    done = run("build", "--out", str(tmp_path), "--only", "nonsense")
    assert done.returncode == 1
    assert "unknown format nonsense" in done.stderr and done.stdout == ""
    assert run("build", "--jobs", "0").returncode == 2

"""Locks: one writer per folder at a time, and no replace over a file someone else saved."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import locks, trust


def _hold(folder: str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with locks.holding(Path(folder), "a test", lambda line: None):
        held.set()
        release.wait(10)


def test_second_writer_waits_and_says_so(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    held, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(str(tmp_path / "out"), held, release))
    holder.start()
    assert held.wait(10)
    lines: list[str] = []
    started = time.monotonic()
    threading.Timer(0.5, release.set).start()
    with locks.holding(tmp_path / "out", "a build", lines.append):
        waited = time.monotonic() - started
    holder.join(10)
    assert waited >= 0.4
    assert lines == [
        f"waiting: another process is writing a build in {tmp_path / 'out'}; this one goes on when it is done"
    ]


def test_uncontended_lock_says_nothing_and_leaves_nothing(tmp_path: Path) -> None:
    lines: list[str] = []
    with locks.holding(tmp_path / "new", "a build", lines.append):
        pass
    assert lines == []
    assert list((tmp_path / "new").iterdir()) == []


def test_symlinked_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(trust.Refused, match="symbolic link"), locks.holding(tmp_path / "link", "x", print):
        pass


def test_replace_if_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(b"name: A\n")
    os.chmod(path, 0o600)
    locks.replace_if_unchanged(path, b"name: A\n", b"name: B\n")
    assert path.read_bytes() == b"name: B\n"
    assert os.stat(path).st_mode & 0o777 == 0o600
    with pytest.raises(locks.ChangedMeanwhile, match="changed while this command ran"):
        locks.replace_if_unchanged(path, b"name: A\n", b"name: C\n")
    assert path.read_bytes() == b"name: B\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.yaml"]


def test_two_builds_into_one_folder_both_stay_in_the_manifest(tmp_path: Path) -> None:
    """Started together with different --only, each build reads the manifest the other one left."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    out = tmp_path / "out"
    for _ in range(3):
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "generator", "build", "--force", "--out", str(out), "--only", only],
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for only in ("markdown", "csv")
        ]
        assert [run.wait(120) for run in runs] == [0, 0], [run.stderr.read() for run in runs if run.stderr]
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert {"markdown", "csv"} <= set(manifest["formats"])
        listed = {a["path"] for a in manifest["artifacts"]}
        assert {"responsibilities.csv", "docs/index.md"} <= listed


def test_a_full_disk_names_the_file_and_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    import errno

    path = tmp_path / "org.yaml"
    path.write_bytes(b"name: A\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(locks.os, "fsync", full)
    with pytest.raises(OSError) as info:
        locks.replace_if_unchanged(path, b"name: A\n", b"name: B\n")
    assert info.value.filename == str(path) and info.value.strerror == "No space left on device"
    assert path.read_bytes() == b"name: A\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.yaml"]

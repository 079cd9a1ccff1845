"""One bounded reader for every untrusted file and archive member: special files are never opened,
links never followed, and what a zip, a workbook or a manifest inflates to or nests is bounded.

Each hostile input is refused at once with one line naming the file (and part or key) and the
limit, exit code 1, nothing outside changed and the previous output byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator import reader, verify
from generator.cli import main
from tests import hostile
from tests.hostile import copy_example, snapshot

RELEASE = "ai-security-responsibility-1.1.0"
QUICK = 5.0  # seconds: each case took minutes, forever or a MemoryError before; now well under one


@contextmanager
def quick() -> Iterator[None]:
    started = time.monotonic()
    yield
    assert time.monotonic() - started < QUICK


def only_problem(err: str) -> str:
    """The one line that reports the problem (the command's heading line aside)."""
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("building", "["))]
    lines = [line for line in lines if not line.startswith("error: 1 problem in the input")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- special files: never opened -------------------------------------------------------------


def test_a_fifo_among_the_template_overrides_is_refused_not_opened(tmp_path, capsys):
    org, out = copy_example(tmp_path), tmp_path / "out"
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "markdown"]) == 0
    os.mkfifo(org / "templates" / "markdown" / "pipe.md.j2")
    before, profile = snapshot(out), snapshot(org)
    capsys.readouterr()
    with quick():
        assert main(["build", "--out", str(out), "--org", str(org), "--only", "markdown", "--force"]) == 1
    line = only_problem(capsys.readouterr().err)
    assert "templates/markdown/pipe.md.j2 is not a regular file (a folder, FIFO or device)" in line
    assert snapshot(out) == before and snapshot(org) == profile


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The Northwind edition's RACI workbook, as `build --org` ships it."""
    out = tmp_path_factory.mktemp("exported")
    assert main(["build", "--org", str(hostile.EXAMPLE), "--out", str(out), "--only", "xlsx"]) == 0
    return out / "northwind-analytics" / "northwind-analytics-raci.xlsx"


def fifo(exported: Path, target: Path) -> None:
    os.mkfifo(target)


def far_cell(exported: Path, target: Path) -> None:
    hostile.workbook_with(exported, target, hostile.sheet_part(exported, "RACI"), hostile.far_cell)


def empty_rows(exported: Path, target: Path) -> None:
    hostile.workbook_with(exported, target, hostile.sheet_part(exported, "RACI"), hostile.empty_rows(1_000_000))


def styles(exported: Path, target: Path) -> None:
    hostile.workbook_with(exported, target, "xl/styles.xml", hostile.many_styles(2_000_000))


def merged_sheet(exported: Path, target: Path) -> None:
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    part = hostile.sheet_part(exported, "RACI")
    hostile.workbook_with(exported, target, part, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + merge))


def long_string(exported: Path, target: Path) -> None:
    text = b"<si><t>" + b"x" * 40_000 + b"</t></si>"
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        + text
        + b"</sst>"
    )
    hostile.rezip(exported, target, {"xl/sharedStrings.xml": strings})


def entity(exported: Path, target: Path) -> None:
    def change(xml: bytes) -> bytes:
        return b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + xml.split(b"?>", 1)[-1]

    hostile.workbook_with(exported, target, "xl/workbook.xml", change)


def huge_part(exported: Path, target: Path) -> None:
    hostile.rezip(exported, target, {"xl/media/image9.png": hostile.zeros(40 * 1048576)})


WORKBOOK_CASES = {
    "fifo": (fifo, "pipe.xlsx is not a regular file (a folder, FIFO or device)"),
    "cell XFD1048576": (far_cell, "sheet RACI (xl/worksheets/sheet4.xml): row 1048576 lies beyond row 10000"),
    "1M empty rows": (empty_rows, "sheet RACI (xl/worksheets/sheet4.xml): row 10001 lies beyond row 10000"),
    "2M styles": (styles, "xl/styles.xml: more than 10000 elements"),
    "merged sheet": (merged_sheet, "mergeCell A1:XFD1048576 lies beyond row 10000"),
    "40,000-character string": (long_string, "xl/sharedStrings.xml: string 1 is longer than 32767 characters"),
    "entity": (entity, "xl/workbook.xml: declares a DTD or an entity"),
    "40 MiB part": (huge_part, "xl/media/image9.png inflates to 41943040 bytes, more than 32 MiB"),
}


@pytest.mark.parametrize("case", WORKBOOK_CASES)
def test_a_hostile_workbook_is_refused_before_openpyxl_walks_it(exported, tmp_path, capsys, case):
    make, expected = WORKBOOK_CASES[case]
    org = copy_example(tmp_path)
    workbook = tmp_path / "pipe.xlsx"
    make(exported, workbook)
    before = snapshot(tmp_path)
    with quick():
        assert main(["import-raci", str(workbook), "--org", str(org)]) == 1
    line = only_problem(capsys.readouterr().err)
    assert "pipe.xlsx: not an Excel workbook (.xlsx) this tool can read (" in line and expected in line
    assert snapshot(tmp_path) == before


def test_the_shipped_workbooks_pass_the_bounds(exported):
    reader.check_workbook(exported.read_bytes(), "workbook")


# --- release bundles -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    assert main(["release", "--out", str(out)]) == 0
    return out / f"{RELEASE}.zip"


@pytest.fixture
def unpacked(release, tmp_path) -> Path:
    with zipfile.ZipFile(release) as z:
        z.extractall(tmp_path)
    return tmp_path / RELEASE


def test_a_fifo_in_a_release_folder_is_named_not_intact(unpacked, capsys):
    os.mkfifo(unpacked / "docs" / "pipe")
    before = snapshot(unpacked)
    with quick():
        assert main(["verify", str(unpacked)]) == 1
    out = capsys.readouterr().out
    assert "extra: docs/pipe (a FIFO, socket or device, not a file)" in out and "not intact: 1 problem" in out
    assert snapshot(unpacked) == before


def test_a_fifo_given_as_the_bundle_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "release.zip")
    with quick():
        assert main(["verify", str(tmp_path / "release.zip")]) == 1
    assert "not a regular file or folder (a FIFO or device)" in only_problem(capsys.readouterr().err)


def symlink_member(release: Path, unpacked: Path, target: Path) -> None:
    link = b"../../../etc/passwd"
    parts: dict[str, hostile.Member] = {
        f"{RELEASE}/docs/index.md": hostile.symlink_member(f"{RELEASE}/docs/index.md", link)
    }
    parts.update({f"{RELEASE}/{k}": v for k, v in hostile.resum(unpacked, {"docs/index.md": link}).items()})
    hostile.rezip(release, target, parts)


def big_sums(release: Path, unpacked: Path, target: Path) -> None:
    hostile.rezip(release, target, {f"{RELEASE}/SHA256SUMS": hostile.zeros(verify.MAX_LIST_BYTES + 1)})


def big_manifest(release: Path, unpacked: Path, target: Path) -> None:
    hostile.rezip(release, target, {f"{RELEASE}/manifest.json": hostile.zeros(verify.MAX_LIST_BYTES + 1)})


def big_member(release: Path, unpacked: Path, target: Path) -> None:
    hostile.rezip(release, target, {f"{RELEASE}/docs/huge.md": hostile.zeros(verify.BOUNDS.member_bytes + 1)})


def many_members(release: Path, unpacked: Path, target: Path) -> None:
    hostile.rezip(release, target, {f"{RELEASE}/docs/{i}.md": b"" for i in range(verify.BOUNDS.members)})


def deep_manifest(release: Path, unpacked: Path, target: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    sums = hostile.resum(unpacked, {})["SHA256SUMS"].decode().splitlines()
    sums = [s for s in sums if not s.endswith("manifest.json")] + [f"{hashlib.sha256(deep).hexdigest()}  manifest.json"]
    hostile.rezip(
        release, target, {f"{RELEASE}/manifest.json": deep, f"{RELEASE}/SHA256SUMS": "\n".join(sums).encode() + b"\n"}
    )


BUNDLE_CASES = {
    "symlink member, sums updated": (symlink_member, "err", "docs/index.md is a symbolic link, not a file"),
    "SHA256SUMS inflating": (big_sums, "err", "SHA256SUMS inflates to more than 4 MiB"),
    "manifest inflating": (big_manifest, "err", "manifest.json inflates to more than 4 MiB"),
    "member inflating": (big_member, "err", "docs/huge.md inflates to 134217729 bytes, more than 128 MiB"),
    "10,000 more members": (many_members, "err", " members, more than 10000"),
    "manifest 200,000 deep": (deep_manifest, "out", "manifest.json: nested deeper than 64 levels"),
}


@pytest.mark.parametrize("case", BUNDLE_CASES)
def test_a_hostile_release_zip_is_refused_within_bounds(release, unpacked, tmp_path, capsys, case):
    make, stream, expected = BUNDLE_CASES[case]
    target = tmp_path / "download.zip"
    make(release, unpacked, target)
    shutil.rmtree(unpacked)
    before = snapshot(tmp_path)
    with quick():
        assert main(["verify", str(target)]) == 1
    captured = capsys.readouterr()
    if stream == "err":
        assert captured.out == ""
        assert expected in only_problem(captured.err) and captured.err.startswith("error: refused: ")
    else:
        assert expected in captured.out and "not intact: 1 problem" in captured.out
    assert snapshot(tmp_path) == before


def test_a_deep_manifest_in_the_output_folder_is_ignored_not_a_crash(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--only", "json"]) == 0
    (out / "manifest.json").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    with quick():
        assert main(["build", "--out", str(out), "--only", "json"]) == 0
    assert (out / "manifest.json").read_bytes().startswith(b"{")


def test_the_release_passes_the_bounds(release, capsys):
    assert main(["verify", str(release)]) == 0
    assert "intact" in capsys.readouterr().out

"""Release bundles: versioned names, checksums inside and out, offline verification, byte for byte reproducible."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from generator.cli import main
from generator.source.load import DATA_DIR

NAME = "ai-security-responsibility-1.1.0"
HEADLINE = [
    "explorer.html",
    "framework.json",
    "policy.docx",
    "poster.pdf",
    "poster.png",
    "raci.xlsx",
    "responsibilities.csv",
]
NORTHWIND = DATA_DIR.parent / "examples" / "northwind-analytics"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    assert main(["release", "--out", str(out)]) == 0
    return out


@pytest.fixture
def unpacked(dist, tmp_path) -> Path:
    with zipfile.ZipFile(dist / f"{NAME}.zip") as z:
        z.extractall(tmp_path)
    return tmp_path / NAME


def test_bundle_holds_every_listed_file_under_versioned_names(dist):
    with zipfile.ZipFile(dist / f"{NAME}.zip") as z:
        files = {n.removeprefix(f"{NAME}/"): z.read(n) for n in z.namelist()}
    assert all(n.startswith(f"{NAME}/") for n in z.namelist())
    sums = dict(line.split("  ")[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(sha(files[path]) == digest for path, digest in sums.items())
    manifest = json.loads(files["manifest.json"])
    assert {a["path"]: a["sha256"] for a in manifest["artifacts"]} == {
        p: d for p, d in sums.items() if p != "manifest.json"
    }
    assert all(a["size"] == len(files[a["path"]]) for a in manifest["artifacts"])
    assert {f"{NAME}-{h}" for h in HEADLINE} | {"README.md", "CHANGES.md", "docs/changes.md"} <= set(files)
    assert not [p for p in files if "/" not in p and p.startswith("ai-security") and not p.startswith(NAME)]
    assert "## Responsibility changes (35 cells)" in files["CHANGES.md"].decode()
    readme = files["README.md"].decode()
    for fact in ("1.1.0", "Mike Privette", "MIT", "sha256sum -c SHA256SUMS", "python -m generator verify"):
        assert fact in readme
    assert all(f"`{NAME}-{h}`" in readme for h in HEADLINE)


def test_headline_files_and_checksums_stand_beside_the_zip(dist):
    lines = (dist / f"{NAME}.SHA256SUMS").read_text().splitlines()
    listed = dict(line.split("  ")[::-1] for line in lines)
    assert set(listed) == {f"{NAME}.zip", *(f"{NAME}-{h}" for h in HEADLINE)}
    assert all(sha((dist / name).read_bytes()) == digest for name, digest in listed.items())
    with zipfile.ZipFile(dist / f"{NAME}.zip") as z:
        for h in HEADLINE:
            assert z.read(f"{NAME}/{NAME}-{h}") == (dist / f"{NAME}-{h}").read_bytes()


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum (GNU coreutils) is not installed")
def test_sha256sum_checks_the_unpacked_bundle(unpacked):
    result = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=unpacked, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len((unpacked / "SHA256SUMS").read_text().splitlines())


def test_verify_passes_on_the_zip_and_the_folder(dist, unpacked, capsys):
    assert main(["verify", str(dist / f"{NAME}.zip")]) == 0
    assert main(["verify", str(unpacked)]) == 0
    assert main(["verify", str(unpacked.parent)]) == 0  # the folder the zip was unpacked into
    assert capsys.readouterr().out.count("intact:") == 3


def alter_byte(root: Path) -> str:
    path = root / f"{NAME}-raci.xlsx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    return f"altered: {NAME}-raci.xlsx"


def remove_file(root: Path) -> str:
    (root / "docs" / "changes.md").unlink()
    return "missing: docs/changes.md"


def add_file(root: Path) -> str:
    (root / "docs" / "notes.txt").write_text("unlisted")
    return "extra: docs/notes.txt"


def link_file(root: Path) -> str:
    (root / "passwd").symlink_to("/etc/passwd")
    return "extra: passwd (a symbolic link"


@pytest.mark.parametrize("tamper", [alter_byte, remove_file, add_file, link_file])
def test_verify_names_the_file_a_folder_differs_in(unpacked, capsys, tamper):
    expected = tamper(unpacked)
    assert main(["verify", str(unpacked)]) == 1
    out = capsys.readouterr().out
    assert expected in out and "not intact: 1 problem" in out


def rezip(source: Path, target: Path, change) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        members = {i.filename: old.read(i) for i in old.infolist()}
        for name, data in change(members).items():
            new.writestr(name, data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: {**m, f"{NAME}/docs/index.md": m[f"{NAME}/docs/index.md"] + b" "}, "altered: docs/index.md"),
        (lambda m: {k: v for k, v in m.items() if not k.endswith("-poster.pdf")}, f"missing: {NAME}-poster.pdf"),
        (lambda m: {**m, f"{NAME}/extra.md": b"x"}, "extra: extra.md"),
        (lambda m: {**m, f"{NAME}/manifest.json": b"{}"}, "altered: manifest.json"),
    ],
)
def test_verify_names_the_file_a_zip_differs_in(dist, tmp_path, capsys, change, expected):
    target = tmp_path / "changed.zip"
    rezip(dist / f"{NAME}.zip", target, change)
    assert main(["verify", str(target)]) == 1
    assert expected in capsys.readouterr().out


def test_verify_reports_a_manifest_that_disagrees_with_the_sums(unpacked, capsys):
    manifest = json.loads((unpacked / "manifest.json").read_text())
    manifest["artifacts"][0]["sha256"] = "0" * 64
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    sums = (unpacked / "SHA256SUMS").read_text().splitlines()
    fixed = [f"{sha((unpacked / 'manifest.json').read_bytes())}  manifest.json" if "manifest" in s else s for s in sums]
    (unpacked / "SHA256SUMS").write_text("\n".join(fixed) + "\n")
    assert main(["verify", str(unpacked)]) == 1
    assert f"disagree on the SHA-256 of {manifest['artifacts'][0]['path']}" in capsys.readouterr().out


def evil_zip(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(f"{NAME}/SHA256SUMS", "")
        z.writestr(name, "x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "not a zip file"),
        (b"PK\x03\x04" + bytes(40), "not a zip file"),
        (evil_zip("../outside.txt"), "../outside.txt leaves the archive"),
        (evil_zip(f"{NAME}/../../outside.txt"), "leaves the archive"),
        (evil_zip("/etc/cron.d/x"), "/etc/cron.d/x leaves the archive"),
        (evil_zip("C:\\windows\\x"), "leaves the archive"),
    ],
)
def test_verify_refuses_garbage_and_escaping_zips_clearly(tmp_path, capsys, content, message):
    path = tmp_path / "download.zip"
    path.write_bytes(content)
    assert main(["verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download.zip"]


def test_verify_of_a_folder_without_sums_is_a_clear_error(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 1
    assert "no SHA256SUMS" in capsys.readouterr().err


def test_two_releases_give_identical_bytes(dist, tmp_path):
    assert main(["release", "--out", str(tmp_path)]) == 0
    for path in dist.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_first_version_has_no_changelog(tmp_path):
    assert main(["--framework-version", "1.0.0", "release", "--out", str(tmp_path)]) == 0
    with zipfile.ZipFile(tmp_path / "ai-security-responsibility-1.0.0.zip") as z:
        assert "ai-security-responsibility-1.0.0/CHANGES.md" not in z.namelist()
        assert "ai-security-responsibility-1.0.0/ai-security-responsibility-1.0.0-framework.json" in z.namelist()
    assert main(["verify", str(tmp_path / "ai-security-responsibility-1.0.0.zip")]) == 0


def test_organisation_release_carries_its_name_and_only_its_edition(tmp_path):
    profiles = tmp_path / "orgs"
    shutil.copytree(NORTHWIND, profiles / "northwind")
    other = profiles / "other"
    other.mkdir()
    (other / "org.yaml").write_text("name: Other Org Ltd\nfile_prefix: other-org\n", encoding="utf-8")
    assert main(["release", "--out", str(tmp_path / "dist"), "--org", str(profiles)]) == 0
    zips = sorted(p.name for p in (tmp_path / "dist").glob("*.zip"))
    assert zips == ["northwind-analytics-1.1.0-v1.1.zip", "other-org-1.1.0-v1.0.zip"]
    with zipfile.ZipFile(tmp_path / "dist" / zips[0]) as z:
        names = [n.removeprefix("northwind-analytics-1.1.0-v1.1/") for n in z.namelist()]
        edition = json.loads(z.read("northwind-analytics-1.1.0-v1.1/northwind-analytics-1.1.0-v1.1-framework.json"))
        readme = z.read("northwind-analytics-1.1.0-v1.1/README.md").decode()
    top = [n for n in names if "/" not in n and n not in ("README.md", "CHANGES.md", "manifest.json", "SHA256SUMS")]
    assert all(name.startswith("northwind-analytics-1.1.0-v1.1-") for name in top)
    assert {f"northwind-analytics-1.1.0-v1.1-{h}" for h in HEADLINE} <= set(top)
    assert edition["edition"]["organisation"] == "Northwind Analytics & Co. <Ltd>"
    assert "Northwind Analytics & Co. \\<Ltd> edition" in readme
    assert sorted(m["id"] for m in edition["models"]) == ["agentic-ai", "ai-coding", "paas-ai", "saas-ai"]
    assert not (tmp_path / "dist" / f"{NAME}.zip").exists()
    assert main(["verify", str(tmp_path / "dist" / zips[0])]) == 0


def test_a_new_document_version_is_released_beside_the_approved_one(tmp_path):
    """Names carry the document version: releasing 1.2 after approving 1.1 leaves 1.1's files as they were."""
    profile = tmp_path / "northwind"
    shutil.copytree(NORTHWIND, profile)
    dist = tmp_path / "dist"
    assert main(["release", "--out", str(dist), "--org", str(profile)]) == 0
    approved = {p.name: p.read_bytes() for p in dist.iterdir()}
    assert "northwind-analytics-1.1.0-v1.1.zip" in approved
    org_yaml = profile / "org.yaml"
    org_yaml.write_text(org_yaml.read_text().replace('version: "1.1"', 'version: "1.2"'), encoding="utf-8")
    assert main(["release", "--out", str(dist), "--org", str(profile)]) == 0
    after = {p.name: p.read_bytes() for p in dist.iterdir()}
    assert {name: after[name] for name in approved} == approved
    assert {n for n in after if n not in approved} == {n.replace("-v1.1", "-v1.2") for n in approved}
    with zipfile.ZipFile(dist / "northwind-analytics-1.1.0-v1.2.zip") as z:
        policy = z.read("northwind-analytics-1.1.0-v1.2/northwind-analytics-1.1.0-v1.2-policy.docx")
    assert docx.Document(io.BytesIO(policy)).core_properties.version == "1.2"


RELEASE_OUTPUTS = [f"{NAME}.zip", f"{NAME}.SHA256SUMS", *(f"{NAME}-{h}" for h in HEADLINE)]


@pytest.mark.parametrize("planted", [*RELEASE_OUTPUTS, f"{NAME}.zip.partial"])
def test_a_release_never_writes_through_a_symlink_planted_in_its_folder(tmp_path, planted, capsys):
    """The output folder is untrusted: a link where a release file goes is replaced, its target left alone."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / planted).symlink_to(outside)
    assert main(["release", "--out", str(dist)]) == 0, capsys.readouterr().err
    assert outside.read_text() == "keep me"
    for name in RELEASE_OUTPUTS:
        assert (dist / name).is_file() and not (dist / name).is_symlink()
    assert main(["verify", str(dist / f"{NAME}.zip")]) == 0


def test_a_release_into_a_symlinked_or_blocked_folder_is_refused_clearly(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "dist").symlink_to(real)
    with pytest.raises(SystemExit) as usage:  # the folder typed is a symlink: wrong usage
        main(["release", "--out", str(tmp_path / "dist")])
    assert usage.value.code == 2
    assert "is a symbolic link" in capsys.readouterr().err and list(real.iterdir()) == []
    blocked = tmp_path / "blocked"
    (blocked / f"{NAME}.zip").mkdir(parents=True)
    assert main(["release", "--out", str(blocked)]) == 1
    assert "is a folder where" in capsys.readouterr().err
    assert [p.name for p in blocked.iterdir()] == [f"{NAME}.zip"]  # nothing written beside it


def test_a_release_builds_inside_its_folder_and_leaves_no_scratch(tmp_path, monkeypatch):
    from generator import release

    folders = []

    def recording_build(edition, out_dir, *args, **kwargs):
        folders.append(out_dir)
        return build(edition, out_dir, *args, **kwargs)

    build = release.build
    monkeypatch.setattr(release, "build", recording_build)
    dist = tmp_path / "dist"
    assert main(["release", "--out", str(dist)]) == 0
    assert len(folders) == 1 and folders[0].is_relative_to(dist)  # never the system's temporary folder
    assert not [p.name for p in dist.iterdir() if p.name.startswith(".")]


def test_an_interrupted_releases_scratch_folder_is_removed_by_the_next_release(tmp_path):
    from generator import release

    dist = tmp_path / "dist"
    dead = dist / f"{release.SCRATCH_PREFIX}killed"
    (dead / "build").mkdir(parents=True)
    (dead / ".owner").write_text("999999999")  # no such process
    assert main(["release", "--out", str(dist)]) == 0
    assert not dead.exists()
    assert not [p.name for p in dist.iterdir() if p.name.startswith(".")]


def test_a_full_disk_leaves_no_part_of_the_release_set(tmp_path, monkeypatch, capsys):
    """The zip, the files beside it and their checksums are written as one set: all of them, or none."""
    import errno
    from types import SimpleNamespace

    from generator import trust

    out = tmp_path / "dist"
    out.mkdir()
    (out / "earlier.txt").write_text("kept")
    real, made = trust.tempfile.mkstemp, []

    def fills_up(*args, **kwargs):  # the third file of the set finds the disk full
        made.append(args)
        if len(made) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(trust, "tempfile", SimpleNamespace(mkstemp=fills_up))
    assert main(["release", "--out", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]

"""Release bundles: every artifact, the changelog and a checksum, byte for byte reproducible."""

from __future__ import annotations

import hashlib
import json
import zipfile

from generator.cli import main


def test_release_bundle_holds_every_artifact_changelog_and_checksum(tmp_path, capsys):
    assert main(["release", "--out", str(tmp_path / "a")]) == 0
    assert "released" in capsys.readouterr().out
    bundle = tmp_path / "a" / "ai-security-responsibility-1.1.0.zip"
    sums = tmp_path / "a" / "ai-security-responsibility-1.1.0.SHA256SUMS"
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert sums.read_text() == f"{digest}  {bundle.name}\n"
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("ai-security-responsibility-1.1.0/manifest.json"))
        for artifact in manifest["artifacts"]:
            data = z.read(f"ai-security-responsibility-1.1.0/{artifact['path']}")
            assert hashlib.sha256(data).hexdigest() == artifact["sha256"]
        changes = z.read("ai-security-responsibility-1.1.0/CHANGES.md").decode("utf-8")
    assert names == {f"ai-security-responsibility-1.1.0/{a['path']}" for a in manifest["artifacts"]} | {
        "ai-security-responsibility-1.1.0/manifest.json",
        "ai-security-responsibility-1.1.0/CHANGES.md",
    }
    assert "## Responsibility changes (35 cells)" in changes

    assert main(["release", "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / bundle.name).read_bytes() == bundle.read_bytes()


def test_first_version_has_no_changelog(tmp_path):
    assert main(["--framework-version", "1.0.0", "release", "--out", str(tmp_path)]) == 0
    with zipfile.ZipFile(tmp_path / "ai-security-responsibility-1.0.0.zip") as z:
        assert "ai-security-responsibility-1.0.0/CHANGES.md" not in z.namelist()
        assert "ai-security-responsibility-1.0.0/framework.json" in z.namelist()

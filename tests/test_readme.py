"""The README's "Using the generator" commands, run as written, in order, in a fresh copy of the repository.

A new user copies them into a shell: the set-up (a virtual environment, the generator installed into it)
and then each command. Here each runs in its own bash, with the environment the earlier ones left (so the
venv stays activated), and must exit 0 and write what it says it wrote. To spare installing every
dependency again, the new venv sees this interpreter's site-packages through a .pth file, so pip finds the
pinned dependencies already satisfied; the install of the generator itself (and its `ai-srm` command) is real.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

import pypdf

from generator import __version__
from generator.model import DEFAULT_FRAMEWORK
from generator.source.load import available_versions

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Using the generator"
NOT_COPIED = {".git", ".nox", ".venv", "build", "dist", "orgs", "__pycache__", ".pytest_cache", ".ruff_cache"}
A3_LANDSCAPE = (1190.55, 841.89)  # points


def readme_commands(readme: str) -> list[str]:
    """Return the lines of the section's sh code blocks, in order, as written (comments included)."""
    section = readme.split(f"\n{SECTION}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def fresh_copy(dest: Path) -> Path:
    """Copy the files a clone holds (git's tracked files, as they are in the working tree) into `dest`."""
    listed = subprocess.run(
        ["git", "-c", "safe.directory=*", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    )
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            source = ROOT / name
            if source.is_file():  # a tracked file deleted in the working tree is left out, as a commit would
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout (an unpacked archive): everything but outputs and caches
        ignored = shutil.ignore_patterns(*NOT_COPIED, "build-*", "*.egg-info", ".hypothesis")
        shutil.copytree(ROOT, dest, ignore=ignored, dirs_exist_ok=True)
    return dest


def python_shim(folder: Path) -> Path:
    """A folder whose python3 and python run this interpreter (a venv of it sees its site-packages below)."""
    folder.mkdir()
    for name in ("python3", "python"):
        (folder / name).write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
        (folder / name).chmod(0o755)
    return folder


def share_dependencies(venv: Path) -> None:
    """Let the new venv import this interpreter's packages, after its own (a path .pth, processed at start-up)."""
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    for site_packages in venv.glob("lib/python*/site-packages"):
        (site_packages / "zz-test-dependencies.pth").write_text("".join(f"{p}\n" for p in paths))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Walk:
    """The copy the commands run in, and what each command must have done."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.frameworks = available_versions(repo / "data")
        self.schemas = {p.name: p.read_bytes() for p in (repo / "data" / "schema").iterdir()}

    # --- what a command claims, checked on disk ---

    def manifest(self, folder: str, formats: set[str] | None = None, version: str | None = None) -> dict:
        """The folder's manifest lists every file with its size and SHA-256, only `formats`, for `version`."""
        out = self.repo / folder
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["artifacts"], folder
        for artifact in manifest["artifacts"]:
            assert (out / artifact["path"]).stat().st_size == artifact["size"], artifact["path"]
            assert sha256(out / artifact["path"]) == artifact["sha256"], artifact["path"]
        if formats is not None:
            assert set(manifest["formats"]) == formats
        assert manifest["framework"]["version"] == (version or self.frameworks[-1])
        return manifest

    def released(self, out: str) -> list[str]:
        """Each zip the command says it released is in place with the files its checksum file lists."""
        claims = re.findall(r"^released (\S+\.zip) \(.*checksums in (\S+)$", out, flags=re.MULTILINE)
        assert claims, out
        for bundle, checksums in claims:
            listed = (self.repo / checksums).read_text(encoding="utf-8").splitlines()
            assert f"  {Path(bundle).name}" in "\n".join(listed)
            for line in listed:
                digest, name = line.split("  ", 1)
                assert sha256(self.repo / Path(checksums).parent / name) == digest, name
        return [bundle for bundle, _ in claims]

    # --- one check per command, by its first words ---

    def check(self, command: str, out: str) -> None:
        words = shlex.split(command, comments=True)
        if words[:3] == ["python3", "-m", "venv"]:
            venv = self.repo / words[3]
            assert (venv / "bin" / "python").exists()
            share_dependencies(venv)
            return
        if words[:3] == ["python", "-m", "pip"]:
            assert (self.repo / ".venv" / "bin" / "ai-srm").is_file()  # the console command, from [project.scripts]
            (record,) = (self.repo / ".venv").glob("lib/python*/site-packages/ai_srm_generator-*.dist-info")
            url = json.loads((record / "direct_url.json").read_text(encoding="utf-8"))
            assert url["dir_info"] == {"editable": True} and url["url"] == self.repo.resolve().as_uri()
            return
        if words[0] == "ai-srm":
            args = words[1:]
        else:
            assert words[:3] == ["python", "-m", "generator"], f"no check for the README's command {command!r}"
            args = words[3:]
        if args == ["--version"]:
            assert (
                out
                == f"ai-srm-generator {__version__} (frameworks: {DEFAULT_FRAMEWORK} {', '.join(self.frameworks)})\n"
            )
            return
        options = dict(zip(args, [*args[1:], ""], strict=True))
        version = options.get("--framework-version")
        subcommand = next(a for a in args if not a.startswith("-") and options.get("--framework-version") != a)
        check: Callable[[list[str], dict[str, str], str | None, str], None] | None = getattr(
            self, "check_" + subcommand.replace("-", "_"), None
        )
        assert check is not None, f"no check for the README's command {command!r}"
        check(args, options, version, out)

    def check_validate(self, args, options, version, out):
        assert [line.split(":")[1].split()[1:] for line in out.splitlines()] == [
            [DEFAULT_FRAMEWORK, v] for v in self.frameworks
        ]

    def check_build(self, args, options, version, out):
        formats = set(options["--only"].split(",")) if "--only" in options else None
        if "--org" in options:
            built = re.findall(r"^built (\S+): \d+ files \(.*\) in (\S+)/$", out, flags=re.MULTILINE)
            profiles = self.repo / options["--org"]
            expected = 1 if (profiles / "org.yaml").is_file() else len(list(profiles.glob("*/org.yaml")))
            assert len(built) == expected and out.splitlines()[-1].startswith(f"{expected} of {expected} editions")
            for _, folder in built:
                assert self.manifest(folder, formats, version)["framework"]["version"]
            return
        (folder,) = re.findall(r"see (\S+)/manifest\.json$", out)
        assert folder == options.get("--out", "build")
        manifest = self.manifest(folder, formats, version)
        if "--poster-size" in options:
            assert options["--poster-size"] == "A3"
            (pdf,) = [a["path"] for a in manifest["artifacts"] if a["path"].endswith(".pdf")]
            box = pypdf.PdfReader(self.repo / folder / pdf).pages[0].mediabox
            assert (round(float(box.width), 2), round(float(box.height), 2)) == A3_LANDSCAPE

    def check_schema(self, args, options, version, out):
        assert out == f"wrote {len(self.schemas)} schemas to {self.repo.resolve() / 'data' / 'schema'}/\n"
        now = {p.name: p.read_bytes() for p in (self.repo / "data" / "schema").iterdir()}
        assert now == self.schemas  # the committed schemas are the ones the code generates

    def check_changes(self, args, options, version, out):
        assert out.startswith(f"# Changes from framework v{self.frameworks[-2]} to v{self.frameworks[-1]}\n")

    def check_release(self, args, options, version, out):
        bundles = self.released(out)
        if "--org" in options:
            assert len(bundles) == len(list((self.repo / options["--org"]).glob("*/org.yaml")))
        else:
            assert bundles == [f"dist/ai-security-responsibility-{self.frameworks[-1]}.zip"]

    def check_verify(self, args, options, version, out):
        assert out.splitlines()[-1].startswith("intact: ")

    def check_init_org(self, args, options, version, out):
        assert f"wrote {args[1]}/org.yaml\n" in out and (self.repo / args[1] / "org.yaml").is_file()

    def check_templates(self, args, options, version, out):
        files = re.findall(r"^  file: (.+)$", out, flags=re.MULTILINE)
        assert files and all(Path(f).is_file() and Path(f).is_relative_to(self.repo.resolve()) for f in files)

    def check_import_raci(self, args, options, version, out):  # the workbook as built: nothing to change
        org_file = self.repo.resolve() / options["--org"] / "org.yaml"
        assert out == f"{org_file} already matches the workbook; nothing to change\n"


def test_the_readme_commands_work_in_order_from_a_fresh_copy(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme_commands(readme)
    assert commands[0].startswith("python3 -m venv .venv") and "pip install -c constraints.txt -e ." in commands[1]
    repo = fresh_copy(tmp_path / "repo")
    walk = Walk(repo)
    state = tmp_path / "environment.sh"  # what each command's shell exported, for the next one
    unset = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env |= {"PATH": f"{python_shim(tmp_path / 'shim')}{os.pathsep}{env['PATH']}", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for command in commands:
        script = f'[ -f {state} ] && . {state}\n{command}\nstatus=$?\nexport -p > {state}\nexit "$status"\n'
        started = time.perf_counter()
        done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        walk.check(command, done.stdout)
        print(f"{time.perf_counter() - started:6.1f} s  {command}")

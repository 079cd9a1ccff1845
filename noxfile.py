"""Tasks: `nox -s build`, `nox -s tests`, `nox -s lint`, `nox -s release`, `nox -s bench`."""

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
    """Check style and formatting with ruff, and types with mypy (configured in pyproject.toml)."""
    session.install(*CONSTRAINTS, "-e", ".", "ruff", "mypy", "nox")  # mypy reads the types of what is imported
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def release(session: nox.Session) -> None:
    """Build the release bundle into dist/: every artifact, the changelog and a checksum."""
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("python", "-m", "generator", "release", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Time each format and a cold full build; report peak memory."""
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("python", "benchmarks/bench.py", *session.posargs)

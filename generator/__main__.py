"""`python -m generator` and the `ai-srm` command (pyproject.toml's [project.scripts])."""

import gc
import sys

from generator.cli import main


def run(prog: str = "ai-srm") -> None:
    """Run the command line and exit with its status."""
    status = main(prog=prog)
    # Leave without the interpreter's final garbage collections: traversing the objects of the
    # loaded libraries, whose memory the system reclaims anyway, took 60-70 ms of every command.
    # Exit handlers still run and files are closed as usual; only unreachable cycles are not freed.
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run("python -m generator")

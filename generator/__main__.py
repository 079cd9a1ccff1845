"""`python -m generator` and the `ai-srm` command (pyproject.toml's [project.scripts])."""

import gc
import sys

# Collect the youngest objects every 20,000 allocations, not Python's 700. A command allocates
# millions of objects that mostly live to its end (the libraries' modules, the model, the
# documents), and at the default the collector traversed them again and again, the older ones
# in full collections: 0.04-0.06 s of the build process and 0.08-0.12 s of the poster's in a
# cold build, 0.02-0.04 s each at this threshold. Garbage is still collected, memory stays bounded.
gc.set_threshold(20_000, 10, 10)

from generator.cli import main  # noqa: E402  (after the threshold: its imports allocate most of the objects)


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

import gc
import sys

from generator.cli import main

status = main()
# Leave without the interpreter's final garbage collections: traversing the objects of the
# loaded libraries, whose memory the system reclaims anyway, took 60-70 ms of every command.
# Exit handlers still run and files are closed as usual; only unreachable cycles are not freed.
gc.freeze()
sys.exit(status)

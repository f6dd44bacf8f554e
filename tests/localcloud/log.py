"""Progress lines of the host-side machinery, on stderr."""
import sys


def log(msg):
    print("localcloud: %s" % msg, file=sys.stderr, flush=True)

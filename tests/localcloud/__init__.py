"""localcloud: a small stand-in for Juju on one host.

Its folders are its layers, each using only those below it:
  cli/       the juju-like command line (tests/localjuju) and its status view
  agent/     runs hooks: the runner, the per-hook context, the hook tools
  state/     the model (one JSON file) and every operation on it
  machines/  where hooks run: LXC containers, or plain directories in tests
paths.py holds every path; log.py the host-side progress lines.
"""

"""localcloud: a small stand-in for Juju on one host.

It keeps one model in a JSON file, queues hooks with Juju's ordering rules and
runs charms' real hooks unchanged inside machines given by a provider (LXC
containers, or plain directories for the core's own tests).  The juju-like CLI
lives in cli.py; tests/localjuju is its entry point.
"""

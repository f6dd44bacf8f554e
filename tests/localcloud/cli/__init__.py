"""The juju-like command line: commands.py parses and runs the commands,
status_view.py renders `status` and `machines`."""

"""The agent: runs each unit's queued hooks and actions on its machine
(runner.py), with a per-hook context (context.py) that the hook tools
(jujuc.py, copied into every machine) read and write."""

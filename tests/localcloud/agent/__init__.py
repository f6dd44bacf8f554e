"""The agent: runs each unit's queued hooks and actions on its machine
(runner.py), with a per-hook context (context.py) that the hook tools
(hooktools.py, a server per hook, and jujuc.py, its client; both copied
into every machine) read and write."""

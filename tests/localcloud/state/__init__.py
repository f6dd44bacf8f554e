"""The model and every change to it: operations.py for what a user asks
(deploy, relate, config, ...), outcomes.py for what a hook's end does,
scheduling.py and provisioning.py for what the runner takes and sets up.
Nothing outside this folder edits model data."""

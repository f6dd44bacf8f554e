#!/usr/bin/env python3
"""Nagios check: the charm's fixes to Mistral's recovery are in place.

    check_mistral_fixes.py [--state /var/lib/mistral-charm/fixes.json]

The charm writes the state file each time it applies the fixes: the fixes
no variant fitted ('missing') and the sha256 of every file they change.
CRITICAL when a fix is missing; WARNING when a file changed since (a
package upgrade the charm did not run: its next update-status re-applies
them).
"""

import argparse
import hashlib
import json
import sys

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE = '/var/lib/mistral-charm/fixes.json'


def sha256(path):
    try:
        with open(path, 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None


def check(state):
    """(exit code, line) for Nagios."""
    if state['missing']:
        return CRITICAL, ('CRITICAL: Mistral fixes missing (no variant fits '
                          'the installed code): {}'.format(
                              ', '.join(state['missing'])))
    changed = sorted(path for path, digest in state['files'].items()
                     if sha256(path) != digest)
    if changed:
        return WARNING, ('WARNING: files replaced since the fixes were '
                         'applied: {}'.format(', '.join(changed)))
    return OK, 'OK: Mistral fixes applied'


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--state', default=STATE)
    args = parser.parse_args(argv[1:])
    try:
        with open(args.state) as f:
            state = json.load(f)
    except (OSError, ValueError) as e:
        print('UNKNOWN: {}'.format(e))
        return UNKNOWN
    code, line = check(state)
    print(line)
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv))

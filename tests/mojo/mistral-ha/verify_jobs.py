#!/usr/bin/env python3
"""The cron trigger fired once per minute for TICKS minutes, across the
three units (never twice in a minute), every run SUCCESS; then removed."""
import collections
import os
import sys
import time

import mojo_juju
from mojo_juju import cron_ticks
from create_jobs import TRIGGER


def main():
    ticks = int(os.environ.get('TICKS', '3'))
    client = mojo_juju.mistral()
    deadline = time.time() + (ticks + 2) * 60
    while True:
        runs = [e for e in client.executions.list(workflow_name='tick')
                if 'cron trigger' in (e.description or '') and
                e.state != 'RUNNING']
        if len(runs) >= ticks or time.time() > deadline:
            break
        time.sleep(10)
    client.cron_triggers.delete(TRIGGER)
    per_minute = collections.Counter(cron_ticks.tick(e) for e in runs)
    states = collections.Counter(e.state for e in runs)
    print('CRON: {} runs in {} minutes, at most {} a minute, states {}'.format(
        len(runs), len(per_minute), max(per_minute.values() or [0]),
        dict(states)))
    if len(runs) < ticks or set(per_minute.values()) != {1} or \
            set(states) != {'SUCCESS'}:
        sys.exit('cron trigger: not once per tick, or not SUCCESS')
    return 0


if __name__ == '__main__':
    sys.exit(main())

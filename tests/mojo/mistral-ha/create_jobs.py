#!/usr/bin/env python3
"""Create the jobs: upload the workflows, run one to SUCCESS, and create a
cron trigger that runs `tick` every minute."""
import os
import sys
import time

import mojo_juju

WORKFLOWS = os.path.join(os.path.dirname(os.path.dirname(mojo_juju.SPEC)),
                         'functional', 'workflows')
TRIGGER = 'mojo-tick'


def upload(client, filename):
    path = os.path.join(WORKFLOWS, filename)
    if os.path.splitext(filename)[0] in [w.name for w in client.workflows.list()]:
        return client.workflows.update(path)
    return client.workflows.create(path)


def main():
    client = mojo_juju.mistral()
    for filename in ('fanout_join.yaml', 'tick.yaml'):
        upload(client, filename)
    execution = client.executions.create('fanout_join')
    deadline = time.time() + 300
    while execution.state in ('IDLE', 'RUNNING') and time.time() < deadline:
        time.sleep(2)
        execution = client.executions.get(execution.id)
    if execution.state != 'SUCCESS':
        sys.exit('fanout_join: {} {}'.format(execution.state,
                                             execution.state_info))
    if TRIGGER in [t.name for t in client.cron_triggers.list()]:
        client.cron_triggers.delete(TRIGGER)
    client.cron_triggers.create(TRIGGER, 'tick', pattern='* * * * *')
    print('workflow fanout_join SUCCESS; cron trigger {} created'.format(
        TRIGGER))
    return 0


if __name__ == '__main__':
    sys.exit(main())

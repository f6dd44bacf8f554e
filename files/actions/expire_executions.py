#!/usr/bin/env python3
"""Delete finished Mistral workflow executions older than an age, through
Mistral's own database code, as its expiration policy does.

    expire_executions.py --older-than-minutes N [--batch-size N]
                         [--dry-run] --config MISTRAL_CONF

Finished: root executions in a terminal state (SUCCESS, ERROR, CANCELLED,
less any ignored_states mistral.conf names), last updated before the age;
never RUNNING, PAUSED or IDLE ones. Their tasks, actions and sub-workflows
go with them (the database cascades). Deletes a batch per transaction.

Prints one JSON line: {"found": n, "deleted": n}, with "error" when it
failed. Exit 0: done; 1: failed (deleted: how many went before); 2: bad
arguments.
"""

import argparse
import datetime
import json
import sys

OK, FAILED, USAGE = 0, 1, 2


class MistralDB:
    """The calls of mistral.db.v2.api this script makes; their signatures
    are the same from Mistral 15 (zed) to 23."""

    def __init__(self, conf):
        from mistral import config, context, exceptions
        from mistral.db.v2 import api
        from mistral.db.v2.sqlalchemy import models
        config.parse_args(args=['--config-file', conf])
        self.api, self.column = api, models.WorkflowExecution.id
        self.not_found = exceptions.DBEntityNotFoundError
        # as admin: deletes see every project's executions
        context.set_ctx(context.MistralContext(
            user_id=None, project_id=None, auth_token=None, is_admin=True))

    def expired_ids(self, before, limit=None):
        with self.api.transaction(read_only=True):
            rows = self.api.get_expired_executions(
                before, limit, columns=(self.column,))
        return [row[0] for row in rows]

    def delete(self, ids):
        """How many of `ids` it deleted, in one transaction."""
        deleted = 0
        with self.api.transaction():
            for execution_id in ids:
                try:
                    self.api.delete_workflow_execution(execution_id)
                    deleted += 1
                except self.not_found:
                    pass  # Mistral's own expiration policy was quicker
        return deleted


def expire(db, before, batch_size, dry_run, counts):
    """Count, then (unless dry_run) delete batch by batch; `counts` says
    how far it got, should a batch fail."""
    counts['found'] = len(db.expired_ids(before))
    counts['deleted'] = 0
    if dry_run:
        return
    while True:
        ids = db.expired_ids(before, batch_size)
        deleted = db.delete(ids) if ids else 0
        if not deleted:
            return
        counts['deleted'] += deleted


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('{} is not positive'.format(text))
    return value


def main(argv, connect=MistralDB):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--older-than-minutes', type=positive, required=True)
    parser.add_argument('--batch-size', type=positive, default=500)
    parser.add_argument('--dry-run', action='store_true')
    parser.add_argument('--config', required=True)  # mistral.conf
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit:
        return USAGE
    # Mistral stores naive UTC times
    before = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None) - datetime.timedelta(minutes=args.older_than_minutes)
    counts = {'found': 0, 'deleted': 0}
    code = OK
    try:
        expire(connect(args.config), before, args.batch_size, args.dry_run,
               counts)
    except Exception as e:
        # the first line: the driver's own text follows on more
        counts['error'] = '{}: {}'.format(
            type(e).__name__, (str(e).splitlines() or [''])[0])
        code = FAILED
    print(json.dumps(counts))
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Nagios check: Mistral workflow executions RUNNING whose tasks have not
progressed (no task created or updated) for longer than a threshold.

    check_mistral_executions.py --minutes 60 [--config MISTRAL_CONF]

Reads the database URL from mistral.conf and only reads the database (a
read-only transaction). mistral.conf is for the mistral user only: run as
nagios, the script runs itself again as mistral through sudo (the charm
writes the one sudoers rule that allows it).
"""

import argparse
import configparser
import datetime
import os
import sys

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
CONF = '/etc/mistral/mistral.conf'
# what a shown list of stuck executions stops at
SHOWN = 5

# RUNNING executions with the last change to them or any of their tasks; a
# parent waiting on a RUNNING sub-workflow is left to the sub-workflow's row
STUCK_SQL = """
SELECT w.id, w.workflow_name, w.updated_at, w.created_at,
       MAX(t.updated_at), MAX(t.created_at)
FROM workflow_executions_v2 w
LEFT JOIN task_executions_v2 t ON t.workflow_execution_id = w.id
WHERE w.state = 'RUNNING'
  AND NOT EXISTS (
    SELECT 1 FROM workflow_executions_v2 c
    JOIN task_executions_v2 ct ON c.task_execution_id = ct.id
    WHERE ct.workflow_execution_id = w.id AND c.state = 'RUNNING')
GROUP BY w.id, w.workflow_name, w.updated_at, w.created_at
"""
READ_ONLY = {
    'mysql': 'SET SESSION TRANSACTION READ ONLY',
    'postgresql': 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
}


def database_url(path):
    parser = configparser.RawConfigParser(strict=False)
    if not parser.read(path):
        raise RuntimeError('cannot read {}'.format(path))
    return parser.get('database', 'connection')


def stuck_executions(connection, now, minutes):
    """[(id, workflow name, idle minutes)] of the executions RUNNING with
    no progress for more than `minutes` (UTC times, as Mistral stores)."""
    cursor = connection.cursor()
    cursor.execute(STUCK_SQL)
    stuck = []
    for wf_id, name, *times in cursor.fetchall():
        # a driver may hand an aggregate's time back as text
        last = max(datetime.datetime.fromisoformat(str(t))
                   for t in times if t is not None)
        idle = (now - last).total_seconds() / 60
        if idle > minutes:
            stuck.append((wf_id, name, int(idle)))
    return sorted(stuck, key=lambda row: -row[2])


def connect(url):
    import sqlalchemy  # on the unit with Mistral
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    connection = engine.raw_connection()
    statement = READ_ONLY.get(engine.dialect.name)
    if statement:
        connection.cursor().execute(statement)
    return connection


def report(stuck, minutes):
    """(exit code, line) for Nagios."""
    if not stuck:
        return OK, ('OK: no execution RUNNING without progress for more '
                    'than {} minutes'.format(minutes))
    shown = ', '.join('{} ({}) idle {} min'.format(*row)
                      for row in stuck[:SHOWN])
    more = ', ...' if len(stuck) > SHOWN else ''
    return CRITICAL, ('CRITICAL: {} executions RUNNING without progress '
                      'for more than {} minutes: {}{}'.format(
                          len(stuck), minutes, shown, more))


def main(argv, connector=connect):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--minutes', type=int, default=60)
    parser.add_argument('--config', default=CONF)
    args = parser.parse_args(argv[1:])
    if not os.access(args.config, os.R_OK) and os.geteuid() != 0 and \
            not os.environ.get('SUDO_USER'):
        os.execvp('sudo', ['sudo', '-n', '-u', 'mistral',
                           os.path.abspath(argv[0])] + argv[1:])
    try:
        connection = connector(database_url(args.config))
        try:
            # naive UTC, as Mistral stores its times
            now = datetime.datetime.now(datetime.timezone.utc).replace(
                tzinfo=None)
            stuck = stuck_executions(connection, now, args.minutes)
        finally:
            connection.rollback()
            connection.close()
    except Exception as e:
        print('UNKNOWN: {}: {}'.format(type(e).__name__, e))
        return UNKNOWN
    code, line = report(stuck, args.minutes)
    print(line)
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv))

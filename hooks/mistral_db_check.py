"""The transaction isolation a Mistral database session gets.

Asked the way Mistral's engine makes its sessions (its engine facade; not
get_engine(), which before 23.0.0 patches SQLAlchemy first, as only the API
and, before 22.0.0, the engine did): the answer shows whether the READ
COMMITTED that mistral.conf's connection URL asks for holds.
"""

import subprocess

from charmhelpers.core.hookenv import WARNING, log
from charmhelpers.core.unitdata import kv

PYTHON = '/usr/bin/python3'
# what a script asking the database starts with: an engine made as Mistral
# makes its sessions, from the mistral.conf in argv[1]
ENGINE = """
import sys
from mistral import config
from mistral.db.sqlalchemy import base
config.parse_args(args=['--config-file', sys.argv[1]])
engine = base._get_facade().get_engine()"""
RECORD_KEY = 'mistral-db-isolation'
WANTED = 'READ-COMMITTED'
NOT_MYSQL = 'not MySQL'
# MySQL 8 and MariaDB 11.1+ name it transaction_isolation, older MariaDB
# tx_isolation
SCRIPT = ENGINE + '''
if engine.dialect.name != 'mysql':
    print({not_mysql!r})
    sys.exit(0)
with engine.connect() as conn:
    try:
        level = conn.exec_driver_sql(
            'SELECT @@SESSION.transaction_isolation').scalar()
    except Exception:
        level = conn.exec_driver_sql('SELECT @@SESSION.tx_isolation').scalar()
print(level)
'''.format(not_mysql=NOT_MYSQL)


def measure(conf):
    """Ask a Mistral session reading `conf`; record and return its level,
    or None when it could not be asked (recorded as unknown)."""
    try:
        out = subprocess.check_output(
            [PYTHON, '-c', SCRIPT, conf], universal_newlines=True,
            stderr=subprocess.DEVNULL, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired,
            OSError) as e:
        log('Could not ask a Mistral database session its isolation: '
            '{}'.format(e), level=WARNING)
        out = ''
    lines = out.strip().splitlines()
    level = lines[-1].strip() if lines else None
    if level:
        log('Mistral database sessions run {}'.format(level))
    store = kv()
    store.set(RECORD_KEY, level)
    store.flush()
    return level


def problem():
    """What status says when the last answer was not READ COMMITTED."""
    level = kv().get(RECORD_KEY)
    if level in (None, WANTED, NOT_MYSQL):
        return None
    return ('Mistral database sessions run {}, not READ COMMITTED '
            '(MySQL)'.format(level))

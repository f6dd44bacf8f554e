"""A database's first migration, made again when something cut it short.

MySQL commits each DDL statement: a migration cut short (the database
restarting to load its first certificate, say) keeps the tables it had
made, and every later `upgrade head` stops on "Table ... already exists".
The leader notes a database that holds no table before its first
migration. Until that migration is recorded no Mistral service starts, so
such a database holds only what a cut-short attempt made: the leader drops
it before trying again. A database that held tables, or holds executions,
workbooks, cron triggers or environments, is never dropped.
"""

import subprocess

from charmhelpers.core.hookenv import WARNING, log
from charmhelpers.core.unitdata import kv

from mistral_db_check import ENGINE, PYTHON

# unit setting on the leader: the database (fingerprint) it found empty
EMPTY_KEY = 'db-empty-before-migration'
COUNT, DROP = 'count', 'drop'
KEPT = 3   # the script's exit code when user data forbids dropping
SCRIPT = ENGINE + '''
import sqlalchemy as sa
names = sa.inspect(engine).get_table_names()
if sys.argv[2] == {drop!r} and names:
    quote = engine.dialect.identifier_preparer.quote
    mysql = engine.dialect.name == 'mysql'
    with engine.begin() as conn:
        for name in {user_tables!r}:
            if name in names and conn.exec_driver_sql(
                    'SELECT COUNT(*) FROM ' + quote(name)).scalar():
                print(name)
                sys.exit({kept})
        if mysql:
            conn.exec_driver_sql('SET FOREIGN_KEY_CHECKS=0')
        for name in names:
            conn.exec_driver_sql('DROP TABLE ' + quote(name) +
                                 ('' if mysql else ' CASCADE'))
print(len(names))
'''.format(drop=DROP, kept=KEPT, user_tables=(
    'workflow_executions_v2', 'executions_v2', 'workbooks_v2',
    'cron_triggers_v2', 'environments_v2'))


def _run(conf, mode):
    """The script's last line, or None (logged) when it failed."""
    try:
        out = subprocess.check_output(
            [PYTHON, '-c', SCRIPT, conf, mode], universal_newlines=True,
            stderr=subprocess.STDOUT, timeout=300)
    except subprocess.CalledProcessError as e:
        if e.returncode == KEPT:
            log('Not dropping the database: {} holds rows'.format(
                e.output.strip()), level=WARNING)
            kv().unset(EMPTY_KEY)
        else:
            log('Could not {} the tables of the database: {}'.format(
                mode, e.output.strip()[-500:]), level=WARNING)
        return None
    except (subprocess.TimeoutExpired, OSError) as e:
        log('Could not {} the tables of the database: {}'.format(mode, e),
            level=WARNING)
        return None
    lines = out.strip().splitlines()
    return lines[-1].strip() if lines else None


def prepare(conf, fingerprint):
    """Before each try at a first migration: note an empty database, or
    drop what an earlier try on the database found empty left behind."""
    store = kv()
    if store.get(EMPTY_KEY) == fingerprint:
        dropped = _run(conf, DROP)
        if dropped and dropped != '0':
            log('Dropped the {} tables a first migration cut short left '
                'behind'.format(dropped), level=WARNING)
    elif _run(conf, COUNT) == '0':
        store.set(EMPTY_KEY, fingerprint)
    store.flush()


def done():
    """The first migration is recorded: nothing is ever dropped again."""
    store = kv()
    store.unset(EMPTY_KEY)
    store.flush()

"""The database schema revision the installed Mistral's code expects.

Mistral's alembic migrations live in its package, one file each naming its
`revision` and `down_revision`; the head is the revision no other one comes
down from. Read from the files, not the database: every unit knows what its
own code needs without a query.
"""

import glob
import os
import re

VERSIONS = 'mistral/db/sqlalchemy/migration/alembic_migrations/versions'
ASSIGNMENT = re.compile(
    r"""^(revision|down_revision)\s*=\s*['"]([^'"]+)['"]""", re.M)


def revisions(target_dir):
    """(head, every revision) of the code installed under target_dir
    (dist-packages); head None when it cannot tell (no migrations found,
    or more than one head)."""
    known, downs = set(), set()
    for path in glob.glob(os.path.join(target_dir, VERSIONS, '*.py')):
        with open(path) as f:
            found = dict(ASSIGNMENT.findall(f.read()))
        if 'revision' in found:
            known.add(found['revision'])
            downs.add(found.get('down_revision'))
    heads = known - downs
    return (heads.pop() if len(heads) == 1 else None), known

"""The expire-executions action: deletes finished workflow executions older
than an age, or (dry-run, the default) counts them.

The work is done by files/actions/expire_executions.py, run with the
interpreter Mistral's services run, through Mistral's own database code and
mistral.conf; this module checks the parameters and the unit, and turns
the script's exit code and JSON line into the action's results.
"""

import json
import os
import re
import subprocess

from charmhelpers.contrib.openstack.utils import is_unit_paused_set
from charmhelpers.core.hookenv import (
    action_fail,
    action_get,
    action_set,
    is_leader,
)

import mistral_utils
from mistral_constants import (
    AGE_UNITS,
    EXPIRE_SCRIPT,
    MISTRAL_CONF,
    MISTRAL_PYTHON,
)

SCRIPT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))),
    'files', 'actions', EXPIRE_SCRIPT)
AGE = re.compile(r'^([0-9]+)([{}])$'.format(''.join(AGE_UNITS)))
OK = 0  # the script's exit code when done


def age_minutes(value):
    """older-than ('7d', '12h', '90m', '2w') in minutes; ValueError naming
    the parameter when it is not one."""
    match = AGE.match(str(value).strip()) if value is not None else None
    if not match or not int(match.group(1)):
        raise ValueError(
            "older-than: '{}' is not a positive number followed by one of "
            "{} (e.g. 7d, 12h)".format(
                '' if value is None else value, ', '.join(AGE_UNITS)))
    return int(match.group(1)) * AGE_UNITS[match.group(2)]


def batch_size(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            "batch-size: '{}' is not a positive whole number".format(value))
    return value


def dry_run(value):
    if not isinstance(value, bool):
        raise ValueError("dry-run: '{}' is not true or false".format(value))
    return value


def refusal(configs):
    """Why this unit must not expire executions now, or None."""
    if not is_leader():
        return 'Run expire-executions on the leader unit (this one is not)'
    if is_unit_paused_set():
        return 'The unit is paused: resume it first'
    if not mistral_utils.database_initialised(configs):
        return 'The database is not initialised yet'
    return None


def run_script(minutes, batch, dry):
    """(exit code, {'found', 'deleted'[, 'error']}) from the script."""
    cmd = [MISTRAL_PYTHON, SCRIPT, '--older-than-minutes', str(minutes),
           '--batch-size', str(batch), '--config', MISTRAL_CONF]
    if dry:
        cmd.append('--dry-run')
    done = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    lines = done.stdout.strip().splitlines()
    try:
        return done.returncode, json.loads(lines[-1])
    except (IndexError, ValueError):
        # no JSON line: it did not get as far as Mistral (usage, import)
        err = done.stderr.strip().splitlines()
        return done.returncode, {'error': err[-1] if err else 'no output'}


def expire_executions(configs):
    refused = refusal(configs)
    if refused:
        action_fail(refused)
        return
    params = action_get() or {}
    try:
        minutes = age_minutes(params.get('older-than'))
        batch = batch_size(params.get('batch-size'))
        dry = dry_run(params.get('dry-run'))
    except ValueError as e:
        action_fail(str(e))
        return
    code, result = run_script(minutes, batch, dry)
    action_set({'found': result.get('found', 0),
                'deleted': result.get('deleted', 0),
                'dry-run': dry})
    if code != OK:
        action_fail('Expiring executions failed (exit {}): {}'.format(
            code, result.get('error', 'no reason given')))

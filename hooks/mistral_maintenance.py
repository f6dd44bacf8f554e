"""Mistral's maintenance mode around an upgrade (MAINTENANCE_CODE).

Before the packages move, the leader asks the running API for PAUSED:
Mistral pauses the running workflow executions, refuses new work (423)
and says PAUSED once no task runs. Once the leader runs the new code on
the schema it migrated, it asks for RUNNING, which resumes them. The API
wants a token (keystonemiddleware): the service user's, from keystone.
Its own API only, on the backend port (plain HTTP behind haproxy).
"""

import json
import os
import ssl
import time
import urllib.error
import urllib.request

from charmhelpers.core.hookenv import WARNING, is_leader, log, status_set

import mistral_context
import mistral_patches
import quick_status
from hook_tools import leader_get, leader_set
from mistral_constants import (
    API_ANSWER_TIMEOUT,
    API_BACKEND_PORT,
    API_SERVICE,
    DRAIN_TIMEOUT,
    MAINTENANCE_CODE,
    MAINTENANCE_KEY,
    MAINTENANCE_PATH,
)

PAUSED = 'PAUSED'
RUNNING = 'RUNNING'
API_URL = 'http://localhost:{}{}'.format(API_BACKEND_PORT, MAINTENANCE_PATH)
POLL_INTERVAL = 2  # seconds between two questions to the API
HTTP_TIMEOUT = 10  # seconds for one request
# what a request that could not be made or answered raises
FAILURES = (OSError, ValueError, KeyError)


class Unavailable(Exception):
    """Maintenance mode cannot be asked for here."""


def available():
    """Has the installed Mistral a maintenance API?"""
    return os.path.exists(os.path.join(mistral_patches.TARGET_DIR,
                                       MAINTENANCE_CODE))


def _api_running():
    return quick_status.service_states().get(API_SERVICE, False)


def _send(url, method='GET', body=None, token=None, cafile=None):
    """The response to one request; no proxy (the model's proxy settings
    would send it away from keystone or this machine)."""
    headers = {'Content-Type': 'application/json',
               'Accept': 'application/json'}
    if token:
        headers['X-Auth-Token'] = token
    data = json.dumps(body).encode() if body is not None else None
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(
            context=ssl.create_default_context(cafile=cafile)))
    return opener.open(urllib.request.Request(
        url, data=data, headers=headers, method=method), timeout=HTTP_TIMEOUT)


def token():
    """A token of the charm's service user (identity-service relation),
    scoped to its project."""
    ctxt = mistral_context.IdentityServiceContext()()
    if not ctxt:
        raise Unavailable('no keystone credentials yet')
    domain = {'name': ctxt['admin_domain_name']}
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': ctxt['admin_user'], 'domain': domain,
            'password': ctxt['admin_password']}}},
        'scope': {'project': {'name': ctxt['admin_tenant_name'],
                              'domain': domain}}}}
    url = '{}://{}:{}/v3/auth/tokens'.format(
        ctxt['auth_protocol'], ctxt['auth_host'], ctxt['auth_port'])
    # Keystone's CA, where it has one, as mistral.conf names it
    with _send(url, 'POST', body, cafile=ctxt.get('keystone_cafile')) as r:
        return r.headers['X-Subject-Token']


def state(tok):
    with _send(API_URL, token=tok) as r:
        return json.loads(r.read().decode())['status']


def ask(tok, wanted):
    """Ask for `wanted`; PAUSED answers PAUSING (wait_for tells when)."""
    _send(API_URL, 'PUT', {'status': wanted}, token=tok).close()


def wait_for(tok, done, timeout):
    """Ask the API its state until done(state) (True) or `timeout` seconds
    have passed (False); an API not answering yet is asked again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if done(state(tok)):
                return True
        except FAILURES as e:
            log('Mistral maintenance state not known yet: {}'.format(e))
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)


def drain():
    """On the leader, before its packages move: pause the running
    executions and wait, up to DRAIN_TIMEOUT, until no task runs.

    What cannot be done (no API in this release or not running, no
    credentials, an error, tasks still running at the deadline) is a
    warning, and the upgrade goes on: a busy or broken workflow must not
    hold an upgrade back for ever."""
    if not is_leader() or not available():
        return
    if not _api_running():
        log('mistral-api not running here: upgrading without draining '
            'running executions', level=WARNING)
        return
    status_set('maintenance', 'Draining running executions before the '
               'upgrade')
    try:
        tok = token()
        # recorded before asking: a hook that dies after it still ends it
        leader_set({MAINTENANCE_KEY: PAUSED})
        ask(tok, PAUSED)
        if wait_for(tok, lambda now: now == PAUSED, DRAIN_TIMEOUT):
            log('Mistral paused its running executions: upgrading')
        else:
            log('Mistral tasks still running after {} s: upgrading with '
                'them'.format(DRAIN_TIMEOUT), level=WARNING)
    except (Unavailable,) + FAILURES as e:
        log('Could not drain running executions ({}): upgrading without '
            'it'.format(e), level=WARNING)


def end(serving):
    """On the leader that put Mistral in maintenance (or followed one
    that did), once it runs on the schema it published (`serving()`
    true): resume, when its API answers within API_ANSWER_TIMEOUT; the
    record goes then, and the next leader hook tries again otherwise."""
    # the record first: read with the other settings, no hook tool call
    if not leader_get(MAINTENANCE_KEY) or not is_leader():
        return
    if not serving() or not _api_running():
        return
    try:
        tok = token()
        if not wait_for(tok, lambda now: True, API_ANSWER_TIMEOUT):
            raise Unavailable('the API did not answer in {} s'.format(
                API_ANSWER_TIMEOUT))
        ask(tok, RUNNING)
    except (Unavailable,) + FAILURES as e:
        log('Could not end Mistral maintenance ({}): trying again at the '
            'next hook'.format(e), level=WARNING)
        return
    leader_set({MAINTENANCE_KEY: None})
    log('Mistral maintenance ended: paused executions resume')

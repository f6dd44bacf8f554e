#!/usr/bin/env python3
"""The Mistral charm's actions. Every file in actions/ is a link here."""

import os
import subprocess
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path[:0] = [os.path.join(_ROOT, 'hooks'), _ROOT]

import python_deps  # noqa: E402

python_deps.ensure()

from charmhelpers.contrib.openstack.utils import (  # noqa: E402
    get_os_codename_install_source,
    is_unit_paused_set,
    openstack_upgrade_available,
    os_release,
)
from charmhelpers.core.hookenv import (  # noqa: E402
    action_fail,
    action_set,
    config,
)

import openstack_actions  # noqa: E402
import mistral_audits  # noqa: E402
import mistral_expiry  # noqa: E402
import mistral_hooks  # noqa: E402
import mistral_patches  # noqa: E402
import mistral_ssh  # noqa: E402
import mistral_utils as utils  # noqa: E402
from mistral_constants import VERSION_PACKAGE  # noqa: E402


def pause(configs):
    utils.pause_unit_helper(configs)


def resume(configs):
    utils.resume_unit_helper(configs)


def openstack_upgrade(configs):
    """Upgrade to the release openstack-origin names; results say from
    which release to which. Any failure (charmhelpers' sys.exit included)
    fails the action with its reason, and status is assessed again."""
    # a bad openstack-origin would end charmhelpers' check in sys.exit
    problem = utils.config_problem()
    if problem:
        action_fail(problem)
        return
    if not config('action-managed-upgrade'):
        action_fail('action-managed-upgrade: set it to true to upgrade by '
                    'this action (config-changed upgrades otherwise)')
        return
    if is_unit_paused_set():
        action_fail('The unit is paused: resume it first')
        return
    from_release = os_release(VERSION_PACKAGE)
    if not openstack_upgrade_available(VERSION_PACKAGE):
        action_set({'outcome': 'no upgrade available',
                    'from-release': from_release})
        return
    to_release = get_os_codename_install_source(config('openstack-origin'))
    action_set({'from-release': from_release, 'to-release': to_release})
    try:
        # the hooks' renderer follows the new release: converging there
        # renders once, migrates the schema and restarts
        mistral_hooks.openstack_upgrade()
        mistral_hooks.publish_all()
    except (Exception, SystemExit) as e:
        action_set({'outcome': 'upgrade failed'})
        action_fail('Upgrade from {} to {} failed: {}'.format(
            from_release, to_release, str(e) or type(e).__name__))
    else:
        action_set({'outcome': 'success, upgrade completed'})
    finally:
        utils.assess_status(mistral_hooks.CONFIGS)


def recovery_fixes(configs):
    """Each of our fixes on this unit: its state and variant or reason
    (read only: hooks apply them)."""
    states = mistral_patches.fix_states()
    for fix, state, detail in states:
        action_set({fix.name: '{}: {}'.format(state, detail)})
    counts = {}
    for _, state, _ in states:
        counts[state] = counts.get(state, 0) + 1
    action_set({'summary': ', '.join(
        '{} {}'.format(n, state) for state, n in sorted(counts.items()))})


def ssh_public_key(configs):
    """The executors' public key; never the private one."""
    problem = mistral_ssh.problem()
    if problem:
        action_fail(problem)
        return
    key = mistral_ssh.public_key()
    if not key:
        action_fail('No SSH key yet: the leader has not shared one')
        return
    action_set({'public-key': key})


def list_openstack_actions(configs):
    """mistral-extra's state here and the namespaces that load."""
    action_set({'mistral-extra': openstack_actions.state()})
    try:
        counts = openstack_actions.loaded_namespaces()
    except (subprocess.CalledProcessError, ValueError, IndexError):
        action_set({'namespaces': 'none (mistral-extra does not import)'})
        return
    action_set({
        'namespaces': ' '.join(sorted(n for n, c in counts.items() if c)),
        'without-actions': ' '.join(sorted(n for n, c in counts.items()
                                           if not c)),
        'actions': str(sum(counts.values()))})


ACTIONS = {
    'pause': pause,
    'resume': resume,
    'openstack-upgrade': openstack_upgrade,
    'recovery-fixes': recovery_fixes,
    'ssh-public-key': ssh_public_key,
    'openstack-actions': list_openstack_actions,
    'expire-executions': mistral_expiry.expire_executions,
    'security-checklist': mistral_audits.security_checklist,
}


def main(argv):
    name = os.path.basename(argv[0])
    action = ACTIONS.get(name)
    if action is None:
        action_fail('Action {} is not defined'.format(name))
        return
    try:
        # a fresh renderer: an upgrade changes the release templates come from
        action(utils.register_configs())
    except (Exception, SystemExit) as e:
        # charmhelpers ends some failures in sys.exit: never an action
        # ended with no reason given
        action_fail(str(e) or type(e).__name__)


if __name__ == '__main__':
    main(sys.argv)

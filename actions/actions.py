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
    do_action_openstack_upgrade,
)
from charmhelpers.core.hookenv import action_fail, action_set  # noqa: E402

import openstack_actions  # noqa: E402
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
    # a bad openstack-origin would end charmhelpers' check in sys.exit
    problem = utils.config_problem()
    if problem:
        action_fail(problem)
        return
    # the hooks' renderer follows the new release: converging there renders
    # once, migrates the schema and restarts
    if do_action_openstack_upgrade(
            VERSION_PACKAGE, lambda configs: mistral_hooks.openstack_upgrade(),
            configs):
        mistral_hooks.publish_all()


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
    except Exception as e:
        action_fail(str(e))


if __name__ == '__main__':
    main(sys.argv)

"""The releases the local cloud runs today render byte for byte what they
rendered before per-release templates: every file the charm writes and the
restart map, for zed (Mistral 15, bookworm) and epoxy (Mistral 20, trixie),
on a ready unit alone and with a peer. The golden copies under
unit_tests/golden/ were captured from the charm before that change (their
restart maps since name each of our fixes and the services it restarts).
hibiscus (Mistral 23, forky) was captured once its API ran under uWSGI:
its periodic server's unit and the API's uWSGI ini are in its files and
restart map, and nowhere else."""

import json
import os

from unit_tests.test_mistral_hooks import HookTestCase
from unit_tests.test_newest_releases import install_mistral_23

import mistral_context
import mistral_utils

GOLDEN = os.path.join(os.path.dirname(__file__), 'golden')
# release -> the Debian version of its mistral-common
FROZEN = {'zed': '15.0.0-1+deb12u1', 'epoxy': '20.0.0-2+deb13u1',
          'hibiscus': '23.0.0-4'}


def golden_name(path):
    """A rendered file's golden copy's name: its path, '/' as '_'."""
    return path.strip('/').replace('/', '_')


class RenderedFiles(HookTestCase):

    def rendered(self, release, scenario):
        """{name: text} of every file a ready unit of `release` renders in
        `scenario`, and its restart map and services as JSON."""
        if release == 'hibiscus':
            install_mistral_23(self.machine)
        self.machine.version = FROZEN[release]
        # what differs from machine to machine or run to run otherwise:
        # the host name, haproxy's stats password
        self.patch(mistral_context.socket, 'gethostname',
                   lambda: 'juju-0b7f2e-0')
        self.patch(mistral_utils.context, 'pwgen', lambda length: 'x' * length)
        self.deploy_ready()
        if scenario == 'peer':
            self.juju.relate('cluster:6', {'mistral/1': {
                'private-address': '10.0.0.11'}})
            self.run_hook('cluster-relation-changed', 'cluster:6',
                          'mistral/1')
        files = {}
        for path in mistral_utils.resource_map():
            real = path[len(self.tmp):] if path.startswith(self.tmp) else path
            files[golden_name(real)] = self.read(path).replace(self.tmp, '')
        rmap = [[key.replace(self.tmp, ''), services]
                for key, services in mistral_utils.restart_map().items()]
        files['restart_map.json'] = json.dumps(
            {'restart_map': rmap, 'services': mistral_utils.services(),
             'running': sorted(self.machine.running)}, indent=1) + '\n'
        return files


class TestFrozenReleases(RenderedFiles):

    def check(self, release, scenario):
        golden_dir = os.path.join(GOLDEN, release, scenario)
        rendered = self.rendered(release, scenario)
        self.assertEqual(sorted(rendered), sorted(os.listdir(golden_dir)))
        for name, text in rendered.items():
            with open(os.path.join(golden_dir, name)) as f:
                self.assertEqual(text, f.read(), name)

    def test_a_ready_zed_unit_renders_exactly_the_golden_files(self):
        self.check('zed', 'single')

    def test_a_zed_unit_with_a_peer_renders_exactly_the_golden_files(self):
        self.check('zed', 'peer')

    def test_a_ready_epoxy_unit_renders_exactly_the_golden_files(self):
        self.check('epoxy', 'single')

    def test_an_epoxy_unit_with_a_peer_renders_exactly_the_golden_files(
            self):
        self.check('epoxy', 'peer')

    def test_a_ready_hibiscus_unit_renders_exactly_the_golden_files(self):
        self.check('hibiscus', 'single')

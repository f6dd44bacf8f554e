"""Mistral 21 (flamingo) and later: what their mistral.conf leaves out
against epoxy's, from the per-release templates (templates/<release>/,
the newest not newer than the installed release)."""

from unit_tests.test_mistral_hooks import HookTestCase

# the installed mistral-common of each release, as the distributions
# version it (Ubuntu's Cloud Archive for noble; Debian forky)
NEWEST = {
    'flamingo': '21.0.0-0ubuntu1~cloud0',
    'gazpacho': '22.0.0-0ubuntu1~cloud0',
    'hibiscus': '23.0.0-4',
}


class NewestReleaseCase(HookTestCase):

    def deploy_release(self, release):
        self.machine.version = NEWEST[release]
        self.deploy_ready()
        return self.mistral_conf()


class TestApiWorkers(NewestReleaseCase):

    def test_mistral_21_and_later_render_no_api_workers(self):
        for release in NEWEST:
            with self.subTest(release=release):
                conf = self.deploy_release(release)
                self.assertIn('[api]\nhost = 0.0.0.0\nport = 8979\n', conf)
                self.assertNotIn('api_workers', conf.replace(
                    '# no api_workers', ''))

    def test_epoxy_still_sets_api_workers_from_the_worker_multiplier(self):
        self.machine.version = '20.0.0-2+deb13u1'
        self.juju.config['worker-multiplier'] = 3
        self.deploy_ready()
        self.assertIn('\napi_workers = 6\n', self.mistral_conf())

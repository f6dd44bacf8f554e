"""Checks for our patches to the vendored charmhelpers (patches/charmhelpers).

Each test names the patch it covers. The vendored copy at the repo root is
the one imported. Modules that apt-get install their Python deps at import
time (contrib.network.ip, contrib.openstack.*) are only imported when those
deps are already present, so running these tests never changes the host.
"""

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from types import SimpleNamespace
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from charmhelpers import osplatform  # noqa: E402
from charmhelpers.core import hookenv  # noqa: E402
from charmhelpers.core.host_factory import ubuntu as host_ubuntu  # noqa: E402

DEPS = all(importlib.util.find_spec(m) for m in
           ('netifaces', 'netaddr', 'psutil', 'jinja2', 'yaml'))
needs_deps = unittest.skipUnless(
    DEPS, 'needs python3-{netifaces,netaddr,psutil,jinja2} (else '
    'charmhelpers would apt-get install them at import)')

# Modules not imported by the import test: they apt-get install bzr/git at
# import time, or need yum (CentOS only).
IMPORT_SKIP = {
    'charmhelpers.fetch.bzrurl', 'charmhelpers.fetch.giturl',
    'charmhelpers.fetch.centos', 'charmhelpers.core.host_factory.centos',
    'charmhelpers.core.kernel_factory.centos',
}

OS_RELEASE = {
    'bookworm': (
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
        'NAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
        'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'),
    'trixie': (
        'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n'
        'NAME="Debian GNU/Linux"\nVERSION_ID="13"\n'
        'VERSION="13 (trixie)"\nVERSION_CODENAME=trixie\nID=debian\n'),
    # no VERSION_CODENAME: the codename comes from VERSION
    'trixie-old-style': (
        'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n'
        'NAME="Debian GNU/Linux"\nVERSION_ID="13"\n'
        'VERSION="13 (trixie)"\nID=debian\n'),
    'noble': (
        'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\n'
        'VERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\n'
        'VERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n'
        'UBUNTU_CODENAME=noble\n'),
}


def lsb(series):
    """lsb_release() result for a series (Debian ones via os-release)."""
    debian = {'bookworm': '12', 'trixie': '13', 'forky': '14'}
    if series in debian:
        return {'DISTRIB_ID': 'Debian', 'DISTRIB_RELEASE': debian[series],
                'DISTRIB_CODENAME': series, 'DISTRIB_DESCRIPTION': ''}
    ubuntu = {'jammy': '22.04', 'noble': '24.04', 'trusty': '14.04'}
    return {'DISTRIB_ID': 'Ubuntu', 'DISTRIB_RELEASE': ubuntu[series],
            'DISTRIB_CODENAME': series, 'DISTRIB_DESCRIPTION': ''}


class TestPlatform(unittest.TestCase):
    """0001-osplatform-accept-debian."""

    def platform_for(self, name):
        # (platform.linux_distribution is gone since Python 3.8)
        with mock.patch.object(osplatform, '_get_platform_from_fs',
                               return_value=name):
            return osplatform.get_platform()

    def test_debian_is_ubuntu_family(self):
        self.assertEqual(self.platform_for('Debian GNU/Linux'), 'ubuntu')
        self.assertEqual(self.platform_for('debian'), 'ubuntu')

    def test_others_unchanged(self):
        self.assertEqual(self.platform_for('Ubuntu'), 'ubuntu')
        self.assertEqual(self.platform_for('CentOS Linux'), 'centos')
        with self.assertRaises(RuntimeError):
            self.platform_for('Fedora Linux')

    def test_reads_name_from_os_release(self):
        m = mock.mock_open(read_data=OS_RELEASE['trixie'])
        with mock.patch('builtins.open', m):
            self.assertEqual(osplatform._get_platform_from_fs(),
                             'Debian GNU/Linux')


class TestLsbRelease(unittest.TestCase):
    """0002-lsb-release-from-os-release."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.lsb_path = os.path.join(self.tmp, 'lsb-release')
        self.osr_path = os.path.join(self.tmp, 'os-release')
        for name, path in (('LSB_RELEASE', self.lsb_path),
                           ('OS_RELEASE', self.osr_path)):
            p = mock.patch.object(host_ubuntu, name, path)
            p.start()
            self.addCleanup(p.stop)

    def write(self, path, text):
        with open(path, 'w') as f:
            f.write(text)

    def test_bookworm_from_os_release(self):
        self.write(self.osr_path, OS_RELEASE['bookworm'])
        self.assertEqual(host_ubuntu.lsb_release(), {
            'DISTRIB_ID': 'Debian', 'DISTRIB_RELEASE': '12',
            'DISTRIB_CODENAME': 'bookworm',
            'DISTRIB_DESCRIPTION': 'Debian GNU/Linux 12 (bookworm)'})

    def test_trixie_codename(self):
        from charmhelpers.core import host
        for key in ('trixie', 'trixie-old-style'):
            self.write(self.osr_path, OS_RELEASE[key])
            self.assertEqual(host.get_distrib_codename(), 'trixie')
            self.assertEqual(host.lsb_release()['DISTRIB_RELEASE'], '13')

    def test_ubuntu_os_release(self):
        self.write(self.osr_path, OS_RELEASE['noble'])
        d = host_ubuntu.lsb_release()
        self.assertEqual((d['DISTRIB_ID'], d['DISTRIB_CODENAME'],
                          d['DISTRIB_RELEASE']), ('Ubuntu', 'noble', '24.04'))

    def test_lsb_release_file_still_wins(self):
        self.write(self.osr_path, OS_RELEASE['bookworm'])
        self.write(self.lsb_path, 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n'
                   'DISTRIB_CODENAME=jammy\n'
                   'DISTRIB_DESCRIPTION="Ubuntu 22.04 LTS"\n')
        self.assertEqual(host_ubuntu.get_distrib_codename(), 'jammy')


LOOSEVERSION_SCRIPT = r'''
import sys
# Simulate Python >= 3.12 without setuptools' distutils or looseversion.
for name in ('distutils', 'distutils.version', 'looseversion'):
    sys.modules[name] = None
sys.path.insert(0, sys.argv[1])
from unittest import mock
from charmhelpers.core import hookenv
V = hookenv.LooseVersion
assert V.__module__ == 'charmhelpers.core.hookenv', V.__module__
assert V('2.9.49-ubuntu-amd64') >= V('2.2')
assert V('3.1.8') > V('2.9.49')
assert V('2.10') > V('2.9')
assert not V('2.8') >= V('2.9')
assert V('2.9') == V('2.9') and V('2.9') < V('2.9.1')
assert V('1.0a') != V('1.0.1')   # mixed int/str parts do not raise
sorted([V('1.0a'), V('1.0.1'), V('1.0')])
with mock.patch.object(hookenv, 'juju_version',
                       return_value='3.4.2-genericlinux-amd64'):
    assert hookenv.has_juju_version('2.3')
    assert not hookenv.has_juju_version('3.5')
print('ok')
'''


class TestLooseVersion(unittest.TestCase):
    """0003-looseversion-without-distutils."""

    def test_fallback_without_distutils(self):
        out = subprocess.run(
            [sys.executable, '-c', LOOSEVERSION_SCRIPT, ROOT],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertEqual(out.stdout.strip(), 'ok')

    def test_hookenv_does_not_load_setuptools_distutils(self):
        # setuptools' distutils stand-in costs every hook ~80 ms to import
        out = subprocess.check_output(
            [sys.executable, '-c',
             'import sys; sys.path.insert(0, sys.argv[1]); '
             'from charmhelpers.core import hookenv; '
             'print("distutils" in sys.modules)', ROOT],
            universal_newlines=True)
        self.assertEqual(out.strip(), 'False')

    def test_has_juju_version_with_default_import(self):
        with mock.patch.object(hookenv, 'juju_version',
                               return_value='2.9.49-ubuntu-amd64'):
            self.assertTrue(hookenv.has_juju_version('2.2'))
            self.assertFalse(hookenv.has_juju_version('3.1'))


class TestPython3Compat(unittest.TestCase):
    """0003 and 0004: nothing removed from Python 3.10-3.13 is used."""

    REMOVED = re.compile(
        r'^\s*(?:from|import)\s+(?:imp|pipes|asyncore|asynchat|smtpd|cgi|'
        r'crypt|telnetlib|distutils)\b'
        r'|^\s*from\s+collections\s+import\s+.*\b(?:Iterable|Mapping|'
        r'MutableMapping|Sequence|Callable)\b', re.M)

    def test_no_removed_stdlib_modules(self):
        hits = []
        for dirpath, _, files in os.walk(os.path.join(ROOT, 'charmhelpers')):
            for fn in files:
                if fn.endswith('.py'):
                    path = os.path.join(dirpath, fn)
                    with open(path) as f:
                        for m in self.REMOVED.finditer(f.read()):
                            hits.append((os.path.relpath(path, ROOT),
                                         m.group(0).split()[1]))
        self.assertEqual(hits, [])

    def test_core_services_imports(self):
        from charmhelpers.core.services import base
        self.assertTrue(issubclass(list, base.Iterable))

    @needs_deps
    def test_every_vendored_module_imports(self):
        failed = []
        for dirpath, _, files in os.walk(os.path.join(ROOT, 'charmhelpers')):
            for fn in sorted(files):
                if not fn.endswith('.py'):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, fn), ROOT)[:-3]
                mod = rel.replace(os.sep, '.').replace('.__init__', '')
                if mod in IMPORT_SKIP:
                    continue
                try:
                    importlib.import_module(mod)
                except Exception as e:
                    failed.append('{}: {!r}'.format(mod, e))
        self.assertEqual(failed, [])


class TestReleaseTables(unittest.TestCase):
    """0005-openstack-releases-after-yoga, 0006-host-series-after-jammy."""

    def test_openstack_releases(self):
        from charmhelpers.fetch import ubuntu as fetch_ubuntu
        rels = fetch_ubuntu.OPENSTACK_RELEASES
        self.assertEqual(rels[rels.index('yoga'):], (
            'yoga', 'zed', 'antelope', 'bobcat', 'caracal', 'dalmatian',
            'epoxy', 'flamingo', 'gazpacho', 'hibiscus'))

    def test_host_releases(self):
        from charmhelpers.core.host import CompareHostReleases
        self.assertIn('trixie', host_ubuntu.UBUNTU_RELEASES)
        self.assertTrue(CompareHostReleases('noble') > 'jammy')
        self.assertTrue(CompareHostReleases('bookworm') > 'jammy')
        self.assertTrue(CompareHostReleases('trixie') > 'bookworm')
        self.assertTrue(CompareHostReleases('questing') > 'trixie')
        self.assertTrue(CompareHostReleases('forky') > 'resolute')

    def test_distro_openstack_release(self):
        from charmhelpers.fetch import ubuntu as fetch_ubuntu
        m = fetch_ubuntu.UBUNTU_OPENSTACK_RELEASE
        self.assertEqual(
            [m[s] for s in ('jammy', 'noble', 'bookworm', 'trixie', 'forky')],
            ['yoga', 'caracal', 'zed', 'epoxy', 'hibiscus'])

    def test_cloud_archive_pockets(self):
        from charmhelpers.fetch import ubuntu as fetch_ubuntu
        p = fetch_ubuntu.CLOUD_ARCHIVE_POCKETS
        self.assertEqual(p['jammy-caracal'], 'jammy-updates/caracal')
        self.assertEqual(p['zed'], 'jammy-updates/zed')
        self.assertEqual(p['noble-epoxy/updates'], 'noble-updates/epoxy')
        self.assertEqual(p['noble-gazpacho/proposed'],
                         'noble-proposed/gazpacho')
        self.assertEqual(p['flamingo/proposed'], 'noble-proposed/flamingo')
        self.assertNotIn('noble-caracal', p)   # caracal is noble's distro
        self.assertEqual(p['focal-yoga'], 'focal-updates/yoga')  # untouched


@needs_deps
class TestOpenStackUtils(unittest.TestCase):
    """0005-0008 through contrib.openstack.utils."""

    def setUp(self):
        from charmhelpers.contrib.openstack import utils
        self.utils = utils
        hookenv.cache.clear()
        utils.reset_os_release()
        self.addCleanup(utils.reset_os_release)
        self.addCleanup(hookenv.cache.clear)
        self.apt_install = self.patch('apt_install')
        self.patch('filter_installed_packages', side_effect=lambda p: p)
        self.patch('openstack_release', return_value={})
        self.patch('snap_install_requested', return_value=False)
        self.config = self.patch('config', return_value='distro')
        # charmhelpers' own, which the hooks replace
        import installed_release
        self.patch('get_os_codename_package',
                   new=installed_release.CHARMHELPERS_CODENAME)

    def patch(self, name, **kw):
        p = mock.patch.object(self.utils, name, **kw)
        self.addCleanup(p.stop)
        return p.start()

    def host(self, series, mistral_version=None):
        """Pretend to be on series with mistral-common installed."""
        self.patch('lsb_release', return_value=lsb(series))
        cache = {}
        if mistral_version:
            cache['mistral-common'] = SimpleNamespace(
                name='mistral-common',
                current_ver=SimpleNamespace(ver_str=mistral_version))
        self.patch('apt_cache', return_value=cache)

    def test_codenames(self):
        u = self.utils
        self.assertEqual(u.OPENSTACK_CODENAMES['2025.1'], 'epoxy')
        self.assertEqual(u.get_os_codename_version('2022.2'), 'zed')
        self.assertEqual(u.get_os_version_codename('gazpacho'), '2026.1')
        self.assertTrue(u.CompareOpenStackReleases('epoxy') > 'caracal')
        self.assertEqual(u.PACKAGE_CODENAMES['mistral-common']['2'],
                         'mitaka')

    def test_every_packaged_mistral_version_names_its_release(self):
        # mistral-common as Ubuntu, the Cloud Archive (~cloudN, no epoch)
        # and Debian version it, with the release each belongs to
        recorded = [
            ('jammy', '14.0.0-0ubuntu1.1', 'yoga'),
            ('jammy', '15.0.0-0ubuntu1~cloud0', 'zed'),
            ('jammy', '16.0.0-0ubuntu1~cloud0', 'antelope'),
            ('jammy', '17.0.0-0ubuntu1~cloud1', 'bobcat'),
            ('jammy', '18.0.1-0ubuntu1.1~cloud0', 'caracal'),
            ('noble', '18.0.1-0ubuntu1.1', 'caracal'),
            ('noble', '19.0.0-0ubuntu1~cloud0', 'dalmatian'),
            ('noble', '20.0.0-0ubuntu1~cloud0', 'epoxy'),
            ('noble', '21.0.0-0ubuntu1~cloud0', 'flamingo'),
            ('noble', '22.0.0-0ubuntu1~cloud0', 'gazpacho'),
            ('bookworm', '15.0.0-1+deb12u1', 'zed'),
            ('trixie', '20.0.0-2+deb13u1', 'epoxy'),
            ('forky', '23.0.0-4', 'hibiscus'),
        ]
        for series, version, release in recorded:
            hookenv.cache.clear()
            self.host(series, version)
            self.assertEqual(
                self.utils.get_os_codename_package('mistral-common'),
                release, version)

    def test_mistral_20_is_epoxy(self):
        self.host('trixie', '20.0.0-1')
        self.assertEqual(
            self.utils.get_os_codename_package('mistral-common'), 'epoxy')
        self.apt_install.assert_not_called()   # 0008: no openstack-release

    def test_os_release_bookworm_zed(self):
        self.host('bookworm', '15.0.0-3')
        self.assertEqual(self.utils.os_release('mistral-common'), 'zed')
        self.apt_install.assert_not_called()

    def test_os_release_trixie_epoch(self):
        self.host('trixie', '1:20.0.0-2')
        self.assertEqual(self.utils.os_release('mistral-common'), 'epoxy')

    def test_os_release_not_installed_uses_distro(self):
        self.host('noble')
        self.assertEqual(self.utils.os_release('mistral-common'), 'caracal')

    def test_install_source_distro(self):
        expected = {'bookworm': 'zed', 'trixie': 'epoxy', 'jammy': 'yoga',
                    'noble': 'caracal'}
        for series, release in expected.items():
            with mock.patch.object(self.utils, 'lsb_release',
                                   return_value=lsb(series)):
                self.assertEqual(
                    self.utils.get_os_codename_install_source('distro'),
                    release, series)
        self.assertEqual(self.utils.get_os_codename_install_source(
            'cloud:jammy-antelope'), 'antelope')

    def test_openstack_release_pkg_still_tried_on_ubuntu(self):
        self.host('noble', '18.0.0-0ubuntu1')
        self.assertEqual(
            self.utils.get_os_codename_package('mistral-common'), 'caracal')
        self.apt_install.assert_called_once()

    @unittest.skipUnless(shutil.which('dpkg'), 'needs dpkg')
    def test_openstack_upgrade_available(self):
        self.host('trixie', '20.0.0-1')
        self.assertFalse(
            self.utils.openstack_upgrade_available('mistral-common'))
        hookenv.cache.clear()
        self.host('jammy', '14.0.1-0ubuntu1')
        self.config.return_value = 'cloud:jammy-zed'
        self.assertTrue(
            self.utils.openstack_upgrade_available('mistral-common'))


@needs_deps
class TestDnsHa(unittest.TestCase):
    """0009-dns-ha-check-ubuntu-only."""

    def test_debian_and_old_ubuntu(self):
        from charmhelpers.contrib.openstack.ha import utils as ha
        with mock.patch.object(ha, 'status_set'):
            with mock.patch.object(ha, 'lsb_release',
                                   return_value=lsb('bookworm')):
                self.assertTrue(ha.assert_charm_supports_dns_ha())
            with mock.patch.object(ha, 'lsb_release',
                                   return_value=lsb('trusty')):
                with self.assertRaises(ha.DNSHAException):
                    ha.assert_charm_supports_dns_ha()


@needs_deps
class TestResolveAddress(unittest.TestCase):
    """0012-resolve-address-fallback-when-used."""

    def resolve(self, net_config=None):
        from charmhelpers.contrib.openstack import ip
        options = {'os-public-network': net_config}
        bindings = {'public': '10.0.1.5', 'juju-info': '10.0.0.5'}
        asked = []

        def network_get(binding):
            asked.append(binding)
            return bindings[binding]
        with mock.patch.object(ip, 'config', options.get), \
                mock.patch.object(ip, 'is_clustered', return_value=False), \
                mock.patch.object(ip, 'network_get_primary_address',
                                  network_get), \
                mock.patch.object(ip, 'get_address_in_network',
                                  lambda net, fallback: fallback):
            return ip.resolve_address(ip.PUBLIC), asked

    def test_the_bindings_address_asks_for_no_fallback(self):
        self.assertEqual(self.resolve(), ('10.0.1.5', ['public']))

    def test_a_configured_network_still_falls_back_to_the_unit_address(self):
        self.assertEqual(self.resolve('10.0.9.0/24'),
                         ('10.0.0.5', ['juju-info']))


class TestNrpePluginDirs(unittest.TestCase):
    """0011-nrpe-plugin-dirs-as-constants."""

    def test_scripts_are_copied_to_and_found_in_the_module_dirs(self):
        from charmhelpers.contrib.charmsupport import nrpe
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        src = os.path.join(tmp, 'src')
        os.makedirs(src)
        open(os.path.join(src, 'check_thing.sh'), 'w').close()
        plugins = os.path.join(tmp, 'plugins')
        with mock.patch.object(nrpe, 'NAGIOS_PLUGINS', plugins), \
                mock.patch.object(nrpe, 'SYSTEM_PLUGINS', tmp + '/none'):
            nrpe.copy_nrpe_checks(src)
            check = nrpe.Check('thing', 'a thing', 'check_thing.sh -w 1')
        self.assertEqual(check.check_cmd, plugins + '/check_thing.sh -w 1')


SDIST = os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
    'charm-mistral', 'charmhelpers-1.2.1.tar.gz')


@unittest.skipUnless(os.path.exists(SDIST) and shutil.which('patch'),
                     'needs the cached charmhelpers sdist (make sdist or '
                     'make test fetch it) and patch')
class TestSyncIsReproducible(unittest.TestCase):
    """`make sync` output equals the committed tree (no hand edits)."""

    def test_resync_matches(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        dest = os.path.join(tmp, 'charmhelpers')
        subprocess.run([sys.executable,
                        os.path.join(ROOT, 'tools', 'sync_charmhelpers.py'),
                        '-d', dest], check=True, stdout=subprocess.DEVNULL)
        res = subprocess.run(
            ['diff', '-r', '-x', '__pycache__', dest,
             os.path.join(ROOT, 'charmhelpers')],
            stdout=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(res.returncode, 0, res.stdout[:2000])


if __name__ == '__main__':
    unittest.main()

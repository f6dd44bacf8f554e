#!/usr/bin/env python3
"""Mistral's upstream code of every release the charm supports, cached.

    tools/mistral_sources.py            fetch what is missing (make sdist)

The PyPI sdists of mistral 14 to 23 (the newest of each major, and the
versions distributions ship) and Debian's python3-mistral packages land in
~/.cache/charm-mistral/mistral-sdists, each checked against its sha256
below, so that later runs, and unit_tests/test_mistral_fixes_upstream.py
which runs every fix against every one of them, work offline.
"""

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

DEBIAN_POOL = 'http://deb.debian.org/debian/pool/main/m/mistral/'

# (release, what ships it, sha256 of the file): PyPI sdists
SDISTS = [
    ('14.0.0', 'yoga, Ubuntu 22.04',
     '4d9849947b37cedf166617bacd94a94362bc05a9aa4f675b5655f007aedf3802'),
    ('15.0.0', 'zed, Debian 12',
     '926015dc88adfa9582949d69b5c178753c11d3209873ca175dbfe37acb5a2136'),
    ('15.0.1', 'zed',
     '53a9ba8459d936e0452324efe7806b7602e4a9048db7834e5765fbc548a8eda7'),
    ('16.0.0', '2023.1 antelope',
     '0c23f45c8ab9a9f56a39e171e1c949e091ba049fe1f92a89d03680622dd67379'),
    ('17.0.0', '2023.2 bobcat',
     '63a9a3c18771a242f621151d5e383627a00b8f3ffa71c4294efb86f028ee5866'),
    ('18.0.1', '2024.1 caracal, Ubuntu 24.04',
     'd83e828c7b023d1160d499e83a5e503cefd43c9b1442de25ab0192f576a76c53'),
    ('18.1.0', '2024.1 caracal',
     '219b1eae113bc1f05ae0d4e5ea0280dd64cf33d98f8b71d28b1e6fe879add1af'),
    ('19.1.1', '2024.2 dalmatian',
     '2b31d189ba59568d3c9b8badec60de675d017c6983e4b204a4b0fd7c4ce8730c'),
    ('20.0.0', '2025.1 epoxy, Debian 13',
     'ca9257e574bbd632d9b995fd276671a38c7394bca36259e95511ad2dfab4c8b2'),
    ('20.2.0', '2025.1 epoxy',
     'f16d52b4f0419183af1f5fd81df0a5f1a529f47d2ecca1dcdbd2f21ca266bd68'),
    ('21.0.0', '2025.2 flamingo',
     'c92f22e6ca598732aeba8525f8ad318af1bc6929cc7e6babc4e0ade4a9163fa3'),
    ('22.0.0', '2026.1 gazpacho',
     '32e6f7c67c72818b9cb335b0ea30fb493bf2796f4489d8962474519df350a18a'),
    ('23.0.0', '2026.2',
     'b2a7cd810a3967a6f08b889701101c5cd430679d0fa0b540e4e2cc92a1ced9b5'),
]
# (Debian version, suite, sha256): python3-mistral packages
DEBS = [
    ('15.0.0-1+deb12u1', 'Debian 12',
     'c59ecb1449404989179dc6fd7cba5a232059630067b49223d169a6cbfe3ac728'),
    ('20.0.0-2+deb13u1', 'Debian 13',
     '93beb6503a65b3159690cf3d7600b1a0c16bbfa2b21a137dc0f5ec8fb3fcfb3d'),
    ('23.0.0-4', 'Debian forky',
     '98e176939f56ac0289a916f4cba8559d856502e0652c8ff766c13bc3557ab564'),
]


class Source:
    """One release's code: an sdist or a .deb in the cache."""

    def __init__(self, kind, version, ships, digest):
        self.kind, self.version, self.digest = kind, version, digest
        if kind == 'sdist':
            self.filename = 'mistral-{}.tar.gz'.format(version)
            self.label = 'mistral {} ({})'.format(version, ships)
            self.prefix = 'mistral-{}/'.format(version)
        else:
            self.filename = 'python3-mistral_{}_all.deb'.format(version)
            self.label = 'python3-mistral {} ({})'.format(version, ships)
            self.prefix = './usr/lib/python3/dist-packages/'
        self.path = os.path.join(cache_dir(), self.filename)

    def cached(self):
        return os.path.exists(self.path) and sha256(self.path) == self.digest

    def _tar(self):
        if self.kind == 'sdist':
            return tarfile.open(self.path)
        data = subprocess.check_output(['dpkg-deb', '--fsys-tarfile',
                                        self.path])
        return tarfile.open(fileobj=io.BytesIO(data))

    def extract(self, paths, dest):
        """Write the files at `paths` (relative to dist-packages) under
        dest; a path the release does not have is left out."""
        with self._tar() as tar:
            names = set(tar.getnames())
            for rel in paths:
                if self.prefix + rel not in names:
                    continue
                target = os.path.join(dest, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with tar.extractfile(self.prefix + rel) as src, \
                        open(target, 'wb') as out:
                    shutil.copyfileobj(src, out)


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.path.join(base, 'charm-mistral', 'mistral-sdists')


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def sources():
    return ([Source('sdist', *s) for s in SDISTS] +
            [Source('deb', *d) for d in DEBS])


def _download(source, tmp):
    if source.kind == 'sdist':
        subprocess.check_call([
            sys.executable, '-m', 'pip', 'download', '-q', '--no-deps',
            '--no-binary', ':all:', '--dest', tmp,
            'mistral=={}'.format(source.version)])
    else:
        with urllib.request.urlopen(DEBIAN_POOL + source.filename,
                                    timeout=60) as r, \
                open(os.path.join(tmp, source.filename), 'wb') as out:
            shutil.copyfileobj(r, out)
    return os.path.join(tmp, source.filename)


def fetch():
    os.makedirs(cache_dir(), exist_ok=True)
    for source in sources():
        if source.cached():
            continue
        print('mistral_sources: fetching {}'.format(source.filename))
        tmp = tempfile.mkdtemp(prefix='mistral-download-')
        try:
            path = _download(source, tmp)
            if sha256(path) != source.digest:
                sys.exit('mistral_sources: {} does not match its sha256'
                         .format(source.filename))
            shutil.move(path, source.path)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit('mistral_sources: could not fetch {} ({}); offline? '
                     'put it at {}'.format(source.filename, e, source.path))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    fetch()

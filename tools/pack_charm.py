#!/usr/bin/python3
"""Pack the charm as `charmcraft pack` packs it, one .charm per platform of
charmcraft.yaml, where charmcraft itself cannot build (it refuses
--destructive-mode on Debian: no 'apt' package backend).

What charmcraft 4.5 does with a dump part, and so what this does:
- the prime list of charmcraft.yaml selects the files (a directory takes its
  whole tree, '*' globs, '-' entries exclude);
- the zip follows symlinks: hooks/install is a copy of mistral_hooks.py,
  with its mode (executable);
- manifest.yaml: charmcraft's version and start time, the platform's base,
  and the analysis attributes (language and framework, 'unknown' for a
  hooks charm without dispatch);
- the name is <name>_<platform with ':' as '-'>.charm, in the project dir.

    tools/pack_charm.py [--out DIR]          pack; print the .charm paths
    tools/pack_charm.py --build CHARMCRAFT    `make build`: charmcraft pack
        on Ubuntu, this packer elsewhere; then `charmcraft analyse` of each
        .charm, which may warn only of the naming of the OpenStack options
"""
import argparse
import datetime
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path, PurePath

import yaml

# The charmcraft whose output this reproduces, and which checks it
# (charmcraft analyse; tools/install-deps installs this version).
CHARMCRAFT_VERSION = '4.5.0'
ROOT = Path(__file__).resolve().parent.parent
# The one analyse warning every OpenStack charm shares: its standard
# snake_case options (vip_iface, ssl_cert, nagios_context, ...) next to
# hyphenated ones. Anything else fails the build.
ACCEPTED_WARNINGS = {'naming-conventions'}


def _expand(root, entries):
    """Paths (relative) that prime entries name, a directory's whole tree."""
    found = set()
    for entry in entries:
        found |= set(root.glob(entry)) if '*' in entry else {root / entry}
    out = set()
    for path in found:
        out.add(PurePath(os.path.relpath(path, root)))
        if path.is_dir() and not path.is_symlink():
            for dirpath, dirs, files in os.walk(path):
                out |= {PurePath(os.path.relpath(dirpath, root), n)
                        for n in dirs + files}
    return out


def primed_files(root, prime):
    """The files charmcraft primes from `prime` (charmcraft.yaml), sorted."""
    includes = [e for e in prime if not e.startswith('-')]
    excludes = [e[1:] for e in prime if e.startswith('-')]
    chosen = _expand(root, includes)
    dropped = _expand(root, excludes)
    return sorted(p for p in chosen - dropped
                  if not any(parent in dropped for parent in p.parents)
                  and (root / p).is_file())


def manifest(platform, started_at):
    """manifest.yaml as charmcraft writes it for `platform` (base:arch)."""
    base, _, arch = platform.partition(':')
    name, _, channel = base.partition('@')
    data = {
        'charmcraft-version': CHARMCRAFT_VERSION,
        'charmcraft-started-at': started_at,
        'bases': [{'name': name, 'channel': channel,
                   'architectures': [arch]}],
        'analysis': {'attributes': [
            {'name': 'language', 'result': 'unknown'},
            {'name': 'framework', 'result': 'unknown'},
        ]},
    }
    return yaml.safe_dump(data, sort_keys=False)


def pack(root=ROOT, out=None):
    """Write one .charm per platform; their paths."""
    root = Path(root)
    out = Path(out or root)
    with open(root / 'charmcraft.yaml') as f:
        project = yaml.safe_load(f)
    files = primed_files(root, project['parts']['charm']['prime'])
    started_at = datetime.datetime.now().isoformat()
    written = []
    for platform, named in zip(project['platforms'], platform_charms(root)):
        path = out / named.name
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as charm:
            for rel in files:
                # write() follows a symlink: its target's content and mode
                charm.write(root / rel, str(rel))
            info = zipfile.ZipInfo('manifest.yaml', time.localtime()[:6])
            info.external_attr = (stat.S_IFREG | 0o644) << 16  # as primed
            info.compress_type = zipfile.ZIP_DEFLATED
            charm.writestr(info, manifest(platform, started_at))
        written.append(path)
    return written


def platform_charms(root=ROOT):
    """The .charm paths charmcraft pack writes in `root`, per platform."""
    with open(root / 'charmcraft.yaml') as f:
        platforms = yaml.safe_load(f)['platforms']
    with open(root / 'metadata.yaml') as f:
        name = yaml.safe_load(f)['name']
    return [root / '{}_{}.charm'.format(name, p.replace(':', '-'))
            for p in platforms]


def host_is_ubuntu():
    try:
        with open('/etc/os-release') as f:
            return 'ID=ubuntu' in f.read().split()
    except FileNotFoundError:
        return False


def analyse(charmcraft, path):
    """(ok, one line): charmcraft analyse's verdict on the .charm."""
    res = subprocess.run([charmcraft, 'analyse', '--format', 'json',
                          str(path)], capture_output=True, text=True)
    try:
        results = json.loads(res.stdout)
    except ValueError:
        return False, 'charmcraft analyse failed: ' + res.stderr.strip()
    bad = [r for r in results if r['check_type'] == 'lint' and
           r['result'] not in ('ok', 'nonapplicable', 'ignored')]
    unexpected = [r for r in bad if r['name'] not in ACCEPTED_WARNINGS]
    summary = ', '.join('{} {}{}'.format(
        r['name'], r['result'].upper(),
        '' if r in unexpected else " (accepted: OpenStack's snake_case "
        'options, e.g. vip_iface, ssl_cert, nagios_context)')
        for r in bad) or 'no warnings'
    if unexpected:
        summary += '\n' + '\n'.join(r['text'] for r in unexpected)
    return not unexpected, summary


def build(charmcraft):
    """`make build`: pack (charmcraft where the host lets it), analyse."""
    if host_is_ubuntu():
        subprocess.check_call([charmcraft, 'pack'], cwd=str(ROOT))
        charms = platform_charms()
    else:
        print('charmcraft pack needs Ubuntu (no apt backend here): '
              'tools/pack_charm.py packs the same files and manifest')
        charms = pack()
    ok = True
    for path in charms:
        good, summary = analyse(charmcraft, path)
        ok = ok and good
        print('{}\n  charmcraft analyse: {}{}'.format(
            path, summary, '' if good else ' (not accepted)'))
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', help='directory for the .charm files')
    parser.add_argument('--build', metavar='CHARMCRAFT',
                        help='pack as make build does, analyse with it')
    args = parser.parse_args(argv)
    if args.build:
        return build(args.build)
    for path in pack(out=args.out):
        print(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""`make mojo_local`: a Mojo spec's manifest run against the local cloud,
as Mojo would run it, with tests/localjuju as `juju` (tests/localcloud/bin
first on PATH) and MOJO_LOCAL=1.

  python3 tests/mojo/run_local.py [SPEC]       (default: mistral-ha)

`script`/`verify config=X K=V ...` run the spec's X with K=V in its
environment, from the spec's folder; `juju-check-wait` waits until every
unit is active (running update-status meanwhile, as Juju's timer would).
Prints one line per phase and its result; exits 1 at the first failure.
"""
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
JUJU_SHIM = os.path.join(TESTS, 'localcloud', 'bin')


def phases(manifest):
    """[(phase, config, {K: V})] of a manifest, comments and blanks left out."""
    out = []
    for line in manifest.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        options = dict(w.split('=', 1) for w in words[1:] if '=' in w)
        config = options.pop('config', None)
        out.append((words[0], config, options))
    return out


def run_phase(spec, phase, config, options):
    if phase == 'juju-check-wait':
        import mistral_cloud
        mistral_cloud.wait(workload='active')
        return 0
    if phase not in ('script', 'verify'):
        raise SystemExit('mojo_local: phase {!r} is not run here'.format(phase))
    env = dict(os.environ, MOJO_LOCAL='1', PATH=JUJU_SHIM + os.pathsep +
               os.environ.get('PATH', ''), **options)
    return subprocess.run([sys.executable, os.path.join(spec, config)],
                          cwd=spec, env=env).returncode


def main(argv):
    spec = os.path.join(HERE, argv[1] if len(argv) > 1 else 'mistral-ha')
    with open(os.path.join(spec, 'manifest')) as f:
        steps = phases(f.read())
    for phase, config, options in steps:
        started = time.time()
        rc = run_phase(spec, phase, config, options)
        print('MOJO {} {}: {} ({:.0f} s)'.format(
            phase, config or '', 'ok' if rc == 0 else 'FAILED rc={}'.format(rc),
            time.time() - started), flush=True)
        if rc:
            return 1
    print('MOJO: {} phases passed'.format(len(steps)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

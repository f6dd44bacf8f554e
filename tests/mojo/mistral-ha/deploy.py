#!/usr/bin/env python3
"""Deploy the spec's bundle (base and HA overlay, from tests/bundles/) with
the site's VIP (MISTRAL_VIP) as one more overlay.  MOJO_LOCAL: the local
cloud's HA bundle (tests/bundles/mistral-ha.yaml, its VIP set)."""
import os
import sys
import tempfile

import mojo_juju

TESTS = os.path.dirname(os.path.dirname(mojo_juju.SPEC))


def main():
    if mojo_juju.LOCAL:
        mojo_juju.juju('deploy', os.path.join(TESTS, 'bundles',
                                              'mistral-ha.yaml'))
        return 0
    vip = os.environ.get('MISTRAL_VIP')
    if not vip:
        sys.exit('MISTRAL_VIP: set it to a free address for the VIP')
    with tempfile.NamedTemporaryFile('w', suffix='.yaml') as overlay:
        overlay.write('applications:\n  mistral:\n    options:\n'
                      '      vip: {}\n'.format(vip))
        overlay.flush()
        mojo_juju.juju('deploy', os.path.join(mojo_juju.SPEC, 'mistral-ha.yaml'),
                       '--overlay', overlay.name)
    return 0


if __name__ == '__main__':
    sys.exit(main())

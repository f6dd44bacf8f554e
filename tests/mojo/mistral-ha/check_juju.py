#!/usr/bin/env python3
"""Every unit active; three Mistral units, one leader, each with its
hacluster subordinate (HA as deployed)."""
import sys

import mojo_juju


def main():
    data = mojo_juju.wait_active()
    mistral = mojo_juju.units(data, 'mistral')
    problems = []
    if len(mistral) != 3:
        problems.append('{} mistral units, not 3'.format(len(mistral)))
    leaders = [name for name, unit in mistral.items() if unit.get('leader')]
    if len(leaders) != 1:
        problems.append('leaders: {}'.format(leaders))
    for name, unit in sorted(mistral.items()):
        if not unit.get('subordinates'):
            problems.append('{} has no hacluster subordinate'.format(name))
    if problems:
        sys.exit('; '.join(problems))
    print('HA: {} mistral units active, leader {}'.format(
        len(mistral), leaders[0]))
    return 0


if __name__ == '__main__':
    sys.exit(main())

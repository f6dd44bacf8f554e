"""`make bench`: the charm's hooks and Mistral's workflow throughput.

    python3 -m bench            (from tests/; BENCH_SIZE=small for a quick run)

Deploys what it needs: the one-unit bundle with a packaged-Mistral stand-in
beside it (hooks, one unit, packaged), then the three-unit HA bundle.  The
layout already deployed goes first; with BENCH_LAYOUTS=current only that one
is measured.  Prints the tables, writes the plot and ends with the BENCH line.
"""

import os
import sys

from bench import benchmark


def main():
    size = os.environ.get('BENCH_SIZE', 'full')
    wanted = os.environ.get('BENCH_LAYOUTS', 'single ha').split()
    print('\n'.join(benchmark.run(size, wanted)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""The benchmark: hooks and workflow loads on each layout, then the
report (tables, plot, BENCH line), also written to RESULTS."""

import json
import os
import sys

from bench import hookbench, layouts, profile, report, workload

RESULTS = '/var/lib/localcloud/bench'
# (shape, concurrency, executions) per size
CELLS = {
    'full': [('noop', 1, 10), ('noop', 10, 40), ('noop', 50, 100),
             ('seq10', 1, 5), ('seq10', 10, 20), ('seq10', 50, 50),
             ('items100', 1, 2), ('items100', 10, 10), ('items100', 50, 50)],
    'small': [('noop', 1, 2), ('noop', 5, 5), ('seq10', 10, 10),
              ('items100', 1, 1)],
}
# each hook case is timed this many times (the median is reported); the
# small size proves the code, not the figures
REPEATS = {'full': hookbench.REPEAT, 'small': 1}


def run(size='full', wanted=('single', 'ha')):
    """Hooks and loads measured on each wanted layout ('current': what is
    deployed, without the packaged Mistral beside it); the results, also
    written to RESULTS."""
    cells = CELLS[size]
    current = 'current' in wanted
    hooks, loads, engines = None, {}, None
    for layout in layouts.order(wanted):
        targets = layouts.ensure(layout, packaged=not current,
                                 series=None if current else layouts.SERIES)
        if 'hooks' in targets:
            hooks = hookbench.measure(targets['hooks'], REPEATS[size])
            hooks['unit'] = targets['hooks']
        for target, endpoint in targets['loads'].items():
            print('--- bench: {} ...'.format(target), file=sys.stderr,
                  flush=True)
            loads[target] = workload.run_target(endpoint, cells)
        if 'hooks' in targets:   # the charm's one unit
            engines = profile.measure(targets['loads']['1 unit'])
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'results.json'), 'w') as f:
        json.dump({'hooks': hooks, 'loads': loads, 'profile': engines}, f,
                  indent=1)
    report.plot(loads, os.path.join(RESULTS, 'bench.png'))
    lines = (report.hook_table(hooks) if hooks else []) + [''] + \
        report.load_table(loads) + [''] + report.cpu_table(loads) + [''] + \
        report.profile_table(engines) + [
            '', 'plot: ' + os.path.join(RESULTS, 'bench.png'),
            report.bench_line(hooks, loads)]
    with open(os.path.join(RESULTS, 'bench.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return lines

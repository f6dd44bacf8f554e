"""The benchmark's table, plot and closing BENCH line."""

import os


def ratio(value, base):
    return value / base if value is not None and base else None


def fmt(value, spec='{:.2f}'):
    return '-' if value is None else spec.format(value)


def hook_table(hooks):
    floor = hooks['floor']
    lines = ['Hooks on {} (floor: python start {} s, + the charm\'s imports '
             '{} s)'.format(hooks['unit'], fmt(floor['python'], '{:.3f}'),
                            fmt(floor['imports'], '{:.3f}')),
             '{:<48} {:>7} {:>7} {:>6} {:>8} {:>7}  {}'.format(
                 'hook', 'seconds', 'x floor', 'tools', 'rendered',
                 'changed', 'restarted')]
    for name, row in hooks['rows'].items():
        lines.append('{:<48} {:>7} {:>7} {:>6} {:>8} {:>7}  {}'.format(
            name, fmt(row['seconds']),
            fmt(ratio(row['seconds'], floor['imports']), '{:.1f}'),
            row['tool_calls'], fmt(row['rendered'], '{}'),
            fmt(row['changed'], '{}'),
            '-' if row['restarted'] is None else
            '{} {}'.format(row['restarted'], row['restarted_names']).strip()))
    return lines


def load_table(loads):
    lines = ['Workflows (python-mistralclient, Keystone auth; C clients each '
             'keeping one execution running)',
             '{:<10} {:<9} {:>3} {:>5} {:>7} {:>8} {:>6} {:>6} {:>8} {:>8}'
             .format('target', 'workflow', 'C', 'execs', 'exec/s', 'tasks/s',
                     'p50 s', 'p95 s', 'list p95', 'list err')]
    for target, load in loads.items():
        for cell in load['cells']:
            lines.append(
                '{:<10} {:<9} {:>3} {:>5} {:>7} {:>8} {:>6} {:>6} {:>8} {:>8}'
                .format(target, cell['shape'], cell['concurrency'],
                        '{}/{}'.format(cell['succeeded'], cell['count']),
                        fmt(cell['exec_s']), fmt(cell['tasks_s'], '{:.1f}'),
                        fmt(cell['p50']), fmt(cell['p95']),
                        fmt(cell['list_p95']), cell['list_failed']))
    for target, load in loads.items():
        for cell in load['cells']:
            if cell['failed']:
                lines.append('{} {} C={}: {} failed ({})'.format(
                    target, cell['shape'], cell['concurrency'],
                    cell['failed'], '; '.join(cell['failures'])[:300]))
    lines.append('Resident memory of the Mistral services, MiB per unit '
                 '(idle / most under load)')
    for target, load in loads.items():
        for unit, (idle, busy) in sorted(load['rss'].items()):
            lines.append('{:<10} {:<20} {:>6} / {}'.format(
                target, unit, fmt(idle, '{:.0f}'), fmt(busy, '{:.0f}')))
    return lines


def cpu_table(loads, top=6):
    """Where each cell's CPU went: the host's busy share of its CPUs and
    the busiest services' CPU ms per task (service@machine)."""
    lines = ['CPU per cell: host busy share, then CPU ms per task of the '
             'busiest services (service@machine), the rest summed']
    for target, load in loads.items():
        for cell in load['cells']:
            used = cell.get('cpu')
            if not used:
                continue
            ranked = list(used['ms_per_task'].items())
            shown, rest = ranked[:top], sum(ms for _, ms in ranked[top:])
            lines.append('{:<10} {:<9} {:>3} busy {:>4} total {:>6.1f} ms: {}'
                         .format(target, cell['shape'], cell['concurrency'],
                                 fmt(used['busy'] and 100 * used['busy'],
                                     '{:.0f}%'),
                                 sum(ms for _, ms in ranked),
                                 ', '.join('{} {:.1f}'.format(k, ms)
                                           for k, ms in shown + [
                                               ('rest', rest)])))
    return lines


def profile_table(engines):
    """What the engines' samples were doing (profile.measure)."""
    if not engines:
        return ['Engine profile: skipped (no py-spy: make deps)']
    cell = engines['cell'] or {}
    lines = ['Where the engines of {} spent a ten-step workflow at C=10 '
             '({} engines, {} py-spy samples; {} tasks/s meanwhile)'.format(
                 engines['unit'], engines['engines'], engines['samples'],
                 fmt(cell.get('tasks_s'), '{:.1f}'))]
    for name, share in sorted(engines['shares'].items(),
                              key=lambda item: -item[1]):
        lines.append('{:>6.1f}%  {}'.format(100 * share, name))
    return lines


def best(loads, target, key, shape=None):
    cells = [c for c in loads.get(target, {}).get('cells', [])
             if shape is None or c['shape'] == shape]
    return max((c[key] for c in cells), default=None)


def bench_line(hooks, loads):
    floor = hooks['floor']['imports'] if hooks else None
    rows = hooks['rows'] if hooks else {}

    def x(name):
        return fmt(ratio(rows[name]['seconds'], floor) if name in rows
                   else None, '{:.2f}x')
    return ('BENCH: update-status {} floor, noop-config-changed {} floor, '
            'exec/s 1u {} 3u {} packaged {}, tasks/s 3u {}'.format(
                x('update-status'), x('config-changed, no-op'),
                fmt(best(loads, '1 unit', 'exec_s'), '{:.1f}'),
                fmt(best(loads, '3 units', 'exec_s'), '{:.1f}'),
                fmt(best(loads, 'packaged', 'exec_s'), '{:.1f}'),
                fmt(best(loads, '3 units', 'tasks_s'), '{:.1f}')))


def plot(loads, path):
    """tasks/s and p95 per workflow and concurrency, one bar per target."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot
    shapes = ['noop', 'seq10', 'items100']
    figure, axes = pyplot.subplots(2, len(shapes), figsize=(13, 7))
    width = 0.8 / max(1, len(loads))
    for col, shape in enumerate(shapes):
        for row, (key, label) in enumerate((('tasks_s', 'tasks/s'),
                                            ('p95', 'p95 to SUCCESS, s'))):
            ax = axes[row][col]
            for i, (target, load) in enumerate(loads.items()):
                cells = [c for c in load['cells'] if c['shape'] == shape]
                ax.bar([n + i * width for n in range(len(cells))],
                       [c[key] or 0 for c in cells], width, label=target)
                ax.set_xticks([n + width * (len(loads) - 1) / 2
                               for n in range(len(cells))])
                ax.set_xticklabels(['C={}'.format(c['concurrency'])
                                    for c in cells])
            ax.set_title('{}: {}'.format(shape, label))
    axes[0][0].legend()
    figure.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    figure.savefig(path)
    pyplot.close(figure)

"""The charm's hooks on a deployed unit: time, tool calls, files, restarts.

Each hook's wall time and hook-tool calls come from the local cloud's
per-hook records (`localjuju hook-stats`); what it rendered, changed and
restarted from the one `converge:` line the charm logs per hook.  The floor
is measured in the same machine: a bare python3 start, and one that imports
the charm's hook module (charmhelpers included) without running a hook.
"""

import json
import re
import time

import mistral_cloud as cloud

REPEAT = 3
# the import statements of the charm's hook module, run without a hook
FLOOR_SCRIPT = r'''
import ast, statistics, subprocess, time
tree = ast.parse(open('hooks/mistral_hooks.py').read())
imports = 'import sys; sys.path[:0] = ["hooks", "."]\n' + '\n'.join(
    ast.unparse(node) for node in tree.body
    if isinstance(node, (ast.Import, ast.ImportFrom)))
def median(cmd):
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)
print(median(["python3", "-c", "pass"]), median(["python3", "-c", imports]))
'''
CONVERGE = re.compile(r'converge: rendered (\d+) files?; changed (\d+)'
                      r'(?::[^;]*)?; restarted (\d+)(?:: ([^;]*))?')


def charm_dir(unit):
    return '/var/lib/juju/agents/unit-{}/charm'.format(unit.replace('/', '-'))


def floor(unit):
    """(python start, python start + the charm's imports) in seconds."""
    out = cloud.on_unit(unit, 'sh', '-c', 'cd {} && python3 -c "$0"'.format(
        charm_dir(unit)), FLOOR_SCRIPT)
    start, imports = (float(x) for x in out.split())
    return start, imports


def records(unit):
    return json.loads(cloud.localjuju('hook-stats', unit, '-n', '0'))


def converge_lines(unit, count=400):
    log = cloud.localjuju('debug-log', '--include', unit, '--replay')
    return [m for m in (CONVERGE.search(line) for line in log.splitlines())
            if m][-count:]


def run_hook(unit, trigger, hook_name):
    """Run what `trigger` queues; the record of the `hook_name` hook it ran
    plus its converge figures (None when the hook converged nothing)."""
    before = len(records(unit))
    lines_before = len(converge_lines(unit))
    trigger()
    cloud.localjuju('wait', '--timeout', '300')
    ran = [r for r in records(unit)[before:] if r['hook'].split()[1] ==
           hook_name]
    if not ran:
        raise cloud.CloudError('{} ran no {}'.format(unit, hook_name))
    record = dict(ran[-1])
    lines = converge_lines(unit)[lines_before:]
    record.update(rendered=0, changed=0, restarted=0, restarted_names='')
    if lines:
        m = lines[-1]
        record.update(rendered=int(m.group(1)), changed=int(m.group(2)),
                      restarted=int(m.group(3)),
                      restarted_names=(m.group(4) or '').strip())
    return record


def median_record(runs):
    """The run with the median time (its counts are those of that run)."""
    return sorted(runs, key=lambda r: r['seconds'])[len(runs) // 2]


def deploy_rows(unit):
    """The slowest run of each relation hook so far (on a fresh deployment,
    the deploy's), and the slowest hook but install."""
    slowest = {}
    for record in records(unit):
        name = record['hook'].split()[1]
        if name != 'install' and (name not in slowest or
                                  record['seconds'] > slowest[name]['seconds']):
            slowest[name] = record
    rows = {name + ' (slowest so far)': record
            for name, record in sorted(slowest.items()) if 'relation' in name}
    rows['slowest hook so far, but install'] = max(
        slowest.values(), key=lambda r: r['seconds'])
    # these hooks' converge lines are not matched to them
    return {name: dict(record, rendered=None, changed=None, restarted=None,
                       restarted_names='') for name, record in rows.items()}


def measure(unit='mistral/0', repeat=REPEAT):
    """{row name: record}, plus 'floor': (start, imports)."""
    app = unit.split('/')[0]
    rows = deploy_rows(unit)
    rows['update-status'] = median_record([
        run_hook(unit, lambda: cloud.localjuju('update-status', unit),
                 'update-status') for _ in range(repeat)])
    stamp = int(time.time())
    rows['config-changed, no-op'] = median_record([
        run_hook(unit, lambda i=i: cloud.localjuju(
            'config', app, 'nagios_context=bench{}{}'.format(stamp, i)),
            'config-changed') for i in range(repeat)])
    cloud.localjuju('config', app, '--reset', 'nagios_context')
    # one file (haproxy.cfg) changes each time: 90001, 90002, 90001 ms
    one_file = [run_hook(unit, lambda i=i: cloud.localjuju(
        'config', app, 'haproxy-client-timeout={}'.format(90001 + i % 2)),
        'config-changed') for i in range(repeat)]
    cloud.localjuju('config', app, '--reset', 'haproxy-client-timeout')
    cloud.localjuju('wait', '--timeout', '300')
    rows['config-changed, one file'] = median_record(one_file)
    start, imports = floor(unit)
    return {'rows': rows, 'floor': {'python': start, 'imports': imports}}

"""Where a load's CPU time goes: each machine's systemd services (their
cgroup's cpu.stat, which keeps what exited processes used too) and the
host's busy share of its CPUs, read on the host before and after a cell.
"""

import glob
import os

# the host's cgroup v2 tree: beside v1 (a hybrid layout) or alone
ROOTS = ('/sys/fs/cgroup/unified', '/sys/fs/cgroup')
MACHINE_PREFIX = 'lxc.payload.'
TICKS = os.sysconf('SC_CLK_TCK')


def _usage(cgroup):
    """CPU seconds a cgroup has used."""
    try:
        with open(os.path.join(cgroup, 'cpu.stat')) as f:
            for line in f:
                key, value = line.split()
                if key == 'usage_usec':
                    return int(value) / 1e6
    except OSError:
        pass
    return 0.0


def snapshot():
    """{'service@machine': CPU seconds} of every machine's services, each
    machine's total as 'machine', and the host's 'busy' and 'all' (CPU
    seconds over all its CPUs)."""
    root = next((r for r in ROOTS if os.path.exists(
        os.path.join(r, 'cgroup.controllers'))), ROOTS[-1])
    usage = {}
    for machine_dir in glob.glob(os.path.join(root, MACHINE_PREFIX + '*')):
        machine = os.path.basename(machine_dir)[len(MACHINE_PREFIX):]
        usage[machine] = _usage(machine_dir)
        # a template's instances (mistral-engine@2) sit in a slice of theirs
        for service in glob.glob(os.path.join(
                machine_dir, 'system.slice', '*.service')) + glob.glob(
                os.path.join(machine_dir, 'system.slice', '*.slice',
                             '*.service')):
            name = os.path.basename(service)[:-len('.service')]
            usage['{}@{}'.format(name, machine)] = _usage(service)
    with open('/proc/stat') as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    usage['all'] = sum(ticks) / TICKS
    usage['busy'] = (sum(ticks) - ticks[3] - ticks[4]) / TICKS  # idle, iowait
    return usage


def profile(before, after, tasks):
    """What a cell used: {'busy': share of the host's CPUs, 'ms_per_task':
    {service@machine: ms}, busiest first, with 'outside machines' (the
    clients, the host) last}."""
    def spent(key):
        # a service restarted in the cell starts a new count
        delta = after.get(key, 0.0) - before.get(key, 0.0)
        return delta if delta >= 0 else after.get(key, 0.0)
    machines = [k for k in after if '@' not in k and k not in ('busy', 'all')]
    services = {k: spent(k) for k in after if '@' in k}
    for machine in machines:   # hooks, logins: not in a service
        services['other@' + machine] = spent(machine) - sum(
            v for k, v in services.items() if k.endswith('@' + machine))
    outside = spent('busy') - sum(spent(m) for m in machines)
    per_task = sorted(((k, 1000 * v / tasks) for k, v in services.items()
                       if v > 0), key=lambda kv: -kv[1])
    per_task.append(('outside machines', 1000 * max(outside, 0.0) / tasks))
    return {'busy': spent('busy') / spent('all') if spent('all') else None,
            'ms_per_task': dict(per_task)}

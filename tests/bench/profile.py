"""Where a unit's engines spend a workflow step: py-spy samples each
engine process (from the host, through its cgroup) while a ten-step
workflow runs at C=10, and each sample's innermost frames name what it
was doing."""

import glob
import os
import subprocess
import tempfile
import threading

import mistral_cloud as cloud
from bench import cpu, workload
from localcloud.machines.lxc import container_name

PY_SPY = '/var/cache/charm-mistral/py-spy/bin/py-spy'
CELL = ('seq10', 10, 40)
SECONDS, RATE = 15, 50
WARM_UP = 3
# the first of these found in a sample's innermost frames names it
KINDS = [
    ('idle: waiting for I/O', ('Hub.do_poll', 'Hub.wait (eventlet/hubs/poll')),
    ('TLS (ssl)', ('(ssl.py',)),
    ('MySQL driver', ('pymysql/',)),
    ('SQLAlchemy', ('sqlalchemy/',)),
    ('RPC (oslo.messaging, kombu)', ('oslo_messaging/', 'kombu/', 'amqp/')),
    ('expressions (yaql, jinja)', ('yaql/', 'jinja2/', 'mistral/expressions')),
    ('logging', ('logging/', 'oslo_log/')),
]
INNERMOST = 6


def engine_pids(machine):
    """Host PIDs of the engine services of a machine (the packaged one and
    engine-workers' instances)."""
    pids = []
    for root in cpu.ROOTS:
        base = os.path.join(root, cpu.MACHINE_PREFIX + machine,
                            'system.slice')
        for procs in glob.glob(os.path.join(
                base, 'mistral-engine.service', 'cgroup.procs')) + glob.glob(
                os.path.join(base, '*.slice', 'mistral-engine@*.service',
                             'cgroup.procs')):
            with open(procs) as f:
                pids += [int(line) for line in f if line.strip()]
    return pids


def kind(stack):
    frames = stack.split(';')[-INNERMOST:]
    for name, marks in KINDS:
        if any(mark in frame for frame in frames for mark in marks):
            return name
    return 'other (Mistral, Python)'


def shares(raw_files):
    """{kind: share of the samples}, and the number of samples."""
    counts, total = {}, 0
    for path in raw_files:
        with open(path) as f:
            for line in f:
                stack, _, n = line.rstrip().rpartition(' ')
                if not n.isdigit():
                    continue
                counts[kind(stack)] = counts.get(kind(stack), 0) + int(n)
                total += int(n)
    return {k: v / total for k, v in counts.items()} if total else {}, total


def measure(endpoint):
    """Profile the engines of the endpoint's first unit during CELL:
    {'unit', 'engines', 'samples', 'shares', 'cell'}; None without py-spy."""
    if not os.path.exists(PY_SPY):
        return None
    client = workload.endpoint_client(endpoint, CELL[1])
    unit = endpoint['units'][0]
    pids = engine_pids(container_name(cloud.machine_of(unit)))
    result = {}
    loader = threading.Thread(target=lambda: result.update(
        cell=workload.run_cell(client, *CELL)))
    loader.start()
    with tempfile.TemporaryDirectory() as tmp:
        loader.join(WARM_UP)
        raws = [os.path.join(tmp, '{}.raw'.format(pid)) for pid in pids]
        spies = [subprocess.Popen(
            [PY_SPY, 'record', '-p', str(pid), '-d', str(SECONDS), '-r',
             str(RATE), '-f', 'raw', '-o', raw, '--nonblocking'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid, raw in zip(pids, raws)]
        for spy in spies:
            spy.wait()
        found, samples = shares([raw for raw in raws if os.path.exists(raw)])
    loader.join()
    return {'unit': unit, 'engines': len(pids), 'samples': samples,
            'shares': found, 'cell': result.get('cell')}

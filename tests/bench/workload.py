"""Workflow load through python-mistralclient: closed loops of clients.

A cell is one workflow shape at one concurrency against one Mistral: C
client threads each start an execution, wait for it to end and start the
next, until N have ended.  One poller lists the cell's executions (its own
copy of the workflow, so the list stays small) and wakes the clients; a
"dashboard" thread times the list calls a user makes meanwhile.
"""

import os
import re
import statistics
import threading
import time
import uuid

import yaml

import mistral_cloud as cloud
from bench import cpu

WORKFLOWS = os.path.join(os.path.dirname(__file__), 'workflows.yaml')
# actions each shape runs: what "tasks per second" counts
SHAPES = {'noop': ('bench_noop', 1), 'seq10': ('bench_seq10', 10),
          'items100': ('bench_items100', 100)}
POLL = 0.2          # seconds between the poller's list calls
DASHBOARD = 0.5     # seconds between the dashboard's list calls
FINISHED = ('SUCCESS', 'ERROR', 'CANCELLED')


def client_for(session, url, pool, cacert=None):
    """A mistralclient on `url`, its HTTP pool sized for `pool` threads."""
    import requests.adapters
    from mistralclient.api.v2 import client
    adapter = requests.adapters.HTTPAdapter(pool_connections=4,
                                            pool_maxsize=pool + 4)
    session.session.mount('http://', adapter)
    session.session.mount('https://', adapter)
    return client.Client(mistral_url=url, session=session, cacert=cacert)


def workflow_copy(client, shape):
    """Upload this cell's own copy of the shape's workflow; its name."""
    base, _ = SHAPES[shape]
    with open(WORKFLOWS) as f:
        definition = yaml.safe_load(f)
    name = '{}_{}'.format(base, uuid.uuid4().hex[:8])
    text = yaml.safe_dump({'version': '2.0', name: definition[base]})
    client.workflows.create(text)
    return name


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def why(client, execution_id, state):
    """An execution's end state and the causes its state_info names (what
    follows each failed action's or task's id), so that one cause reads
    as one line however many items it failed."""
    try:
        info = client.executions.get(execution_id).state_info or ''
    except Exception as exc:
        info = 'state_info not read: {!r}'.format(exc)
    info = ' '.join(info.split())
    causes = (re.findall(r'\]: ([^\[]+)', info)
              or re.findall(r'\] -> ([^\[]+)', info) or [info[-160:]])
    causes = sorted(set(c.strip() for c in causes if c.strip()))
    return '{}: {}'.format(state, '; '.join(causes)) if causes else state


def run_cell(client, shape, concurrency, count, timeout=600):
    """Figures of one cell: exec/s, tasks/s, p50/p95 to SUCCESS, list p95."""
    name = workflow_copy(client, shape)
    _, actions = SHAPES[shape]
    lock = threading.Lock()
    waiting = {}            # execution id -> (event, started)
    latencies, errors, list_times, list_errors = [], [], [], []
    remaining = [count]
    stop = threading.Event()

    def take_one():
        with lock:
            if remaining[0] == 0:
                return False
            remaining[0] -= 1
            return True

    def client_loop():
        while take_one() and not stop.is_set():
            started, done = time.time(), threading.Event()
            try:
                execution = client.executions.create(name)
            except Exception as exc:   # a failed start counts as failed
                errors.append(repr(exc))
                continue
            with lock:
                waiting[execution.id] = (done, started)
            done.wait()

    def listed(**query):
        """A list call's rows, None when it failed (counted; the next poll
        asks again)."""
        try:
            return client.executions.list(**query)
        except Exception as exc:
            list_errors.append(repr(exc))
            return None

    def poller():
        while not stop.is_set():
            time.sleep(POLL)
            rows = listed(workflow_name=name, limit=-1,
                          fields=['id', 'state'])
            now = time.time()
            for row in rows or ():
                if row.state not in FINISHED:
                    continue
                with lock:
                    entry = waiting.pop(row.id, None)
                if not entry:
                    continue
                if row.state == 'SUCCESS':
                    latencies.append(now - entry[1])
                else:
                    errors.append(why(client, row.id, row.state))
                entry[0].set()

    def dashboard():
        while not stop.is_set():
            t = time.time()
            if listed(limit=50) is not None:
                list_times.append(time.time() - t)
            stop.wait(DASHBOARD)

    threads = [threading.Thread(target=client_loop, daemon=True)
               for _ in range(concurrency)]
    helpers = [threading.Thread(target=f, daemon=True)
               for f in (poller, dashboard)]
    start, cpu_before = time.time(), cpu.snapshot()
    for t in threads + helpers:
        t.start()
    deadline = start + timeout
    for t in threads:
        t.join(max(0, deadline - time.time()))
    elapsed, cpu_after = time.time() - start, cpu.snapshot()
    stop.set()
    with lock:
        for done, _ in waiting.values():
            done.set()
    # a cell that runs out of time reports what ended (ended < count)
    ended = len(latencies)
    return {
        'shape': shape, 'concurrency': concurrency, 'count': count,
        'succeeded': ended, 'failed': len(errors), 'seconds': elapsed,
        'failures': sorted(set(errors)),
        'exec_s': ended / elapsed, 'tasks_s': ended * actions / elapsed,
        'p50': statistics.median(latencies) if latencies else None,
        'p95': percentile(latencies, 0.95),
        'list_p95': percentile(list_times, 0.95),
        'list_failed': len(list_errors),
        'cpu': (cpu.profile(cpu_before, cpu_after, ended * actions)
                if ended else None),
    }


def rss_mib(unit):
    """Resident memory of the mistral user's processes in a unit's
    machine (Mistral's services run as mistral; the packaged stand-in shares
    its machine only with services run as other users)."""
    out = cloud.on_unit(unit, 'ps', '-u', 'mistral', '-o', 'rss=')
    return sum(int(x) for x in out.split()) / 1024


def endpoint_client(endpoint, pool):
    """A mistralclient on a target's endpoint (its URL, or the catalog's),
    under Keystone auth."""
    env = cloud.openrc(cloud.unit_address('keystone/0'), cloud.fetch_ca())
    session = cloud.keystone_session(env)
    url = endpoint['url'] or session.get_endpoint(
        service_type=cloud.SERVICE_TYPE, interface='public')
    return client_for(session, url, pool, env.get('OS_CACERT'))


def run_target(endpoint, cells):
    """Every cell against one Mistral: {'cells': [...], 'rss': {unit:
    (idle MiB, most MiB under load)}}."""
    client = endpoint_client(endpoint, max(c for _, c, _ in cells))
    units = endpoint['units']
    idle = {unit: rss_mib(unit) for unit in units}
    busy = dict(idle)
    stop = threading.Event()

    def sample():
        while not stop.wait(5):
            for unit in units:
                busy[unit] = max(busy[unit], rss_mib(unit))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    results = []
    try:
        for shape, concurrency, count in cells:
            results.append(run_cell(client, shape, concurrency, count))
    finally:
        stop.set()
        sampler.join()
    return {'cells': results,
            'rss': {unit: (idle[unit], busy[unit]) for unit in units}}

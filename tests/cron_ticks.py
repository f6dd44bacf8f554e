"""Which tick of a cron trigger an execution ran for.

Mistral's engines take a trigger up to 2 s before its time (every release
from 14 to 23 asks for triggers due before now + 2 s), so a run stamped
16:35:58 may be the 16:36 tick: a run counts in the minute 2 s after its
stamp. Standalone: the Mojo spec and the zaza suite use it too.
"""

import datetime
import time

EARLY = datetime.timedelta(seconds=2)


def tick(execution):
    """'YYYY-MM-DD HH:MM' of the tick `execution` (a cron run) was for."""
    stamp = datetime.datetime.strptime(execution.created_at[:19],
                                       '%Y-%m-%d %H:%M:%S')
    return (stamp + EARLY).strftime('%Y-%m-%d %H:%M')


def per_tick(executions):
    """{tick: [execution ids]} of a trigger's runs."""
    ticks = {}
    for execution in executions:
        ticks.setdefault(tick(execution), []).append(execution.id)
    return ticks


def minute(seconds):
    """'YYYY-MM-DD HH:MM' (UTC) of the minute holding epoch `seconds`."""
    return datetime.datetime.fromtimestamp(
        seconds, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M')


def next_tick(seconds):
    """Epoch seconds of the first minute boundary after `seconds`."""
    return (int(seconds) // 60 + 1) * 60


def window(first, last):
    """The ticks from `first` to `last` (epoch seconds), named as tick()
    names them."""
    return {minute(t) for t in range(first, last + 1, 60)}


def runs_per_tick(client, trigger, last):
    """{tick: [execution ids]} of every run of `trigger` so far, once the
    run for the tick at `last` (epoch seconds) has ended."""
    time.sleep(max(0, last + 20 - time.time()))
    return per_tick(e for e in client.executions.list(workflow_name='tick')
                    if trigger.id in (e.description or ''))


def tally(ticks, first, last):
    """(runs for the ticks from `first` to `last`, how many ticks those
    are): the figures of a `cron <fired>/<ticks>` line."""
    inside = window(first, last)
    return sum(len(ticks.get(t, ())) for t in inside), len(inside)


def once_each(ticks, first, last):
    """Whether each tick from `first` to `last` has a run and no tick of
    `ticks` (runs_per_tick's), inside or at the edges, has two."""
    return window(first, last) <= set(ticks) and all(
        len(ids) == 1 for ids in ticks.values())

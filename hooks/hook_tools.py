"""Fewer hook-tool calls per hook.

Every hook tool (relation-get, network-get, juju-log, ...) is a process
that asks the Juju agent, about 0.1 s each on a real unit. charmhelpers
asks for the same data many times in one hook: each relation key with its
own relation-get, each binding's address once per URL or context, a
record of every relation of every unit each time it reads the unit's
state (HookData: pause and deferred-hook checks), and a juju-log line for
each template loaded, rendered and written. `install()` points
charmhelpers at the versions below, which give the same answers with one
call per datum and hook; charmhelpers/ itself stays as released.
"""

import contextlib
import sys

from charmhelpers.core import hookenv, unitdata

LOUD_LEVELS = (hookenv.WARNING, hookenv.ERROR, hookenv.CRITICAL, 'WARN')
_log = hookenv.log


def relation_get(attribute=None, unit=None, rid=None, app=None):
    """hookenv.relation_get, served from one read of the unit's data.

    The whole-unit read is cached by hookenv like any relation-get, and
    dropped with it when this unit sets relation data (hookenv.flush).
    """
    if app is not None:
        return hookenv.relation_get(attribute, unit, rid, app)
    # the hook's relation and remote unit, as relation-get defaults to
    rid = rid or hookenv.relation_id()
    if not rid:
        return None  # what relation-get answers outside a relation hook
    data = hookenv.relation_get(None, unit or hookenv.remote_unit(), rid)
    if attribute is None:
        return data
    return data.get(attribute) if data else None


# a binding's address does not change during a hook
network_get_primary_address = hookenv.cached(
    hookenv.network_get_primary_address)


@hookenv.cached
def _leader_settings():
    return hookenv.leader_get() or {}


def leader_get(attribute=None):
    """hookenv.leader_get, served from one read of every setting."""
    settings = _leader_settings()
    return dict(settings) if attribute is None else settings.get(attribute)


def leader_set(settings):
    hookenv.leader_set(settings)
    hookenv.flush(_leader_settings.__name__)


def library_log(message, level=None):
    """charmhelpers' own messages: warnings and errors only."""
    if level in LOUD_LEVELS:
        _log(message, level)


class HookData(unitdata.HookData):
    """unitdata.HookData without its records (which nothing in this charm
    reads): the unit's state, same answers. charmhelpers' scope adds a row
    to the store's hooks table and commits it each time it is entered
    (nine times a config-changed, a disk sync each, the table growing
    without end); this one commits only what was written in it."""

    @contextlib.contextmanager
    def __call__(self):
        try:
            yield self.kv, {}, {}
        except Exception:
            self.kv.flush(False)
            raise
        self.kv.flush()


def _relation_set_accepts_file():
    return True  # every Juju since 2.0 does


def install():
    """Point the loaded charmhelpers modules at the functions above (the
    hooks call it once every module they use is imported). hookenv keeps
    its own functions, which those above call."""
    replace = {id(old): new for old, new in [
        (hookenv.relation_get, relation_get),
        (hookenv.network_get_primary_address, network_get_primary_address),
        (hookenv.log, library_log)]}
    for name, module in list(sys.modules.items()):
        if name.startswith('charmhelpers.') and module is not hookenv:
            for attr, value in list(vars(module).items()):
                if id(value) in replace:
                    setattr(module, attr, replace[id(value)])
    # relation_set asks relation-set --help whether it takes --file
    hookenv._relation_set_accepts_file = _relation_set_accepts_file
    unitdata.HookData = HookData

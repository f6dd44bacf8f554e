"""What the model records about machines and unit agents as the runner
creates, prepares and removes them."""
from .model import now
from .relations import seed_machine_addresses


def machine_created(st, mid, mach):
    st.machines[mid].update(
        status="started", address=mach.address, interface=mach.interface,
        cidr=mach.cidr, juju_root=mach.juju_root, since=now(),
        instance="localcloud-%s" % mid, message="")
    seed_machine_addresses(st, mid)


def machine_failed(st, mid, message):
    m = st.machines.get(mid)
    if m:
        m.update(status="error", message=message, since=now())


def machine_removed(st, mid):
    if not st.units_on(mid):
        st.machines.pop(mid, None)


def unit_prepared(st, unit, handlers, revision=None):
    """The unit's hook tools are linked, and (with a revision) that revision
    of its charm is unpacked, holding these handlers."""
    u = st.units.get(unit)
    if u:
        u["tools_ready"] = True
        u["handlers"] = handlers
        if revision is not None:
            u["charm_rev"] = revision

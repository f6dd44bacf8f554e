"""The machines hooks run on: LXC containers (lxc.py, with network.py,
images.py, aptcache.py and hostsetup.py), or plain directories for the
core's own tests (dirmachine.py).  A provider creates, starts, stops and
destroys them; a machine runs commands and reads and writes files."""
import os


def get_provider():
    """LXC containers normally; plain host directories when
    LOCALCLOUD_PROVIDER=dir (the core's own tests)."""
    if os.environ.get("LOCALCLOUD_PROVIDER") == "dir":
        from .dirmachine import DirMachineProvider
        return DirMachineProvider()
    # Imported on demand: the directory provider must not need lxc's host set-up.
    from .lxc import LxcProvider
    return LxcProvider()

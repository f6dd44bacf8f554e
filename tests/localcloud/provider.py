"""Which machine provider the local cloud uses."""
import os


def get_provider():
    """LXC containers normally; plain host directories when
    LOCALCLOUD_PROVIDER=dir (the core's own tests)."""
    if os.environ.get("LOCALCLOUD_PROVIDER") == "dir":
        from .dirmachine import DirMachineProvider
        return DirMachineProvider()
    from .lxc import LxcProvider  # imported lazily: written separately
    return LxcProvider()

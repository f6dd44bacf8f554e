"""Every path of the local cloud: host state, caches and runtime files, the
LXC machines' directories, and the Juju paths inside a machine.

Nothing else in the package spells a path; a move happens here once.
"""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))

# ---- sources shipped with the local cloud ----------------------------------

HOOKTOOLS_SRC = os.path.join(_HERE, "agent", "hooktools.py")
JUJUC_SRC = os.path.join(_HERE, "agent", "jujuc.py")
IMAGE_RECIPE = os.path.join(_HERE, "machines", "image_recipe.yaml")

# Runs the hooks' tool server in a machine (Debian's, in every image).
MACHINE_PYTHON = "/usr/bin/python3"
# The search path of hooks and of every command run in a machine.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# ---- host state --------------------------------------------------------------

def home():
    """LOCALCLOUD_HOME, read at call time so tests can point it elsewhere."""
    return os.environ.get("LOCALCLOUD_HOME", "/var/lib/localcloud")


def model_file():
    return os.path.join(home(), "model.json")


def model_lock():
    return os.path.join(home(), "model.lock")


def machine_lock(machine_id):
    return os.path.join(home(), "locks", "machine-%s.lock" % machine_id)


def log_dir():
    return os.path.join(home(), "logs")


def unit_log(unit):
    return os.path.join(log_dir(), "unit-%s.log" % unit_tag(unit))


def hook_stats(unit):
    """One JSON line per finished hook or action (not a .log: debug-log
    does not show it)."""
    return os.path.join(log_dir(), "unit-%s.hooks.jsonl" % unit_tag(unit))


def dir_machines():
    """Where the directory provider keeps its machines."""
    return os.environ.get("LOCALCLOUD_DIRMACHINES",
                          os.path.join(home(), "dirmachines"))


# ---- host: LXC machines, images, apt cache -------------------------------------

LXC_PATH = "/var/lib/lxc"
# Removed by teardown; the host lock lives beside it so that it survives.
RUN_ROOT = "/run/localcloud"
HOST_LOCK = "/run/localcloud.lock"
CACHE_ROOT = "/var/cache/localcloud"
IMAGE_ROOT = CACHE_ROOT + "/images"
APT_CACHE_ROOT = CACHE_ROOT + "/apt-cacher-ng"
APT_CACHE_RUN = RUN_ROOT + "/acng"


# ---- names -----------------------------------------------------------------

def unit_tag(unit):
    """'mistral/0' -> 'mistral-0' (the form used in agent dir names)."""
    return unit.replace("/", "-")


# ---- inside a machine (relative to machine.juju_root) -----------------------

# Where an LXC machine keeps its agents and tools, as Juju does.
MACHINE_JUJU_ROOT = "/var/lib/juju"


def agent_dir(juju_root, unit):
    return "%s/agents/unit-%s" % (juju_root, unit_tag(unit))


def charm_dir(juju_root, unit):
    return agent_dir(juju_root, unit) + "/charm"


def context_file(juju_root, unit):
    # One hook at a time per unit, so one fixed name; the tools check the id.
    return agent_dir(juju_root, unit) + "/hook-context.json"


def tool_calls_file(juju_root, unit):
    """The hook's tool calls, one name a line (written by the tool server)."""
    return agent_dir(juju_root, unit) + "/hook-tool-calls"


def agent_socket(ctx_id):
    """The hook's tool server (JUJU_AGENT_SOCKET_ADDRESS): abstract, unique
    per hook, as Juju's is."""
    return "@localcloud-agent/" + ctx_id


def tools_root(juju_root):
    return juju_root + "/tools"


def dispatcher_path(juju_root):
    """The tools' client; every tool name links to it."""
    return tools_root(juju_root) + "/jujuc.py"


def hooktools_path(juju_root):
    return tools_root(juju_root) + "/hooktools.py"


def unit_tools_dir(juju_root, unit):
    return "%s/unit-%s" % (tools_root(juju_root), unit_tag(unit))


def jujud_path(juju_root, machine_id):
    # charmhelpers globs /var/lib/juju/tools/machine-*/jujud for the version.
    return "%s/machine-%s/jujud" % (tools_root(juju_root), machine_id)

"""Where things live: host-side state paths and in-machine Juju paths.

Every path and every name shared between the host code and the in-machine
hook tools is defined here once.
"""
import os

JUJU_VERSION = "3.6.1"
MODEL_NAME = "local"
CONTROLLER_NAME = "localcloud"
# Debian codename -> base, as `juju status` prints it.
SERIES_BASES = {"bookworm": "debian@12", "trixie": "debian@13"}
DEFAULT_SERIES = "bookworm"

# The tool names we symlink to the dispatcher (Juju's names only).
HOOK_TOOLS = (
    "relation-get", "relation-set", "relation-ids", "relation-list",
    "config-get", "unit-get", "network-get", "status-get", "status-set",
    "application-version-set", "juju-log", "open-port", "close-port",
    "opened-ports", "is-leader", "leader-get", "leader-set", "action-get",
    "action-set", "action-fail", "action-log", "goal-state", "juju-reboot",
)

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOOKTOOLS_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "hooktools", "jujuc.py")


# ---- host side -------------------------------------------------------------

def home():
    """LOCALCLOUD_HOME, read at call time so tests can point it elsewhere."""
    return os.environ.get("LOCALCLOUD_HOME", "/var/lib/localcloud")


def model_file():
    return os.path.join(home(), "model.json")


def model_lock():
    return os.path.join(home(), "model.lock")


def machine_lock(machine_id):
    return os.path.join(home(), "locks", "machine-%s.lock" % machine_id)


def unit_log(unit):
    return os.path.join(home(), "logs", "unit-%s.log" % unit_tag(unit))


# ---- names -----------------------------------------------------------------

def unit_tag(unit):
    """'mistral/0' -> 'mistral-0' (the form used in agent dir names)."""
    return unit.replace("/", "-")


# ---- inside a machine (relative to machine.juju_root) -----------------------

def agent_dir(juju_root, unit):
    return "%s/agents/unit-%s" % (juju_root, unit_tag(unit))


def charm_dir(juju_root, unit):
    return agent_dir(juju_root, unit) + "/charm"


def context_file(juju_root, unit):
    # One hook at a time per unit, so one fixed name; the tools check the id.
    return agent_dir(juju_root, unit) + "/hook-context.json"


def tools_root(juju_root):
    return juju_root + "/tools"


def dispatcher_path(juju_root):
    return tools_root(juju_root) + "/jujuc.py"


def unit_tools_dir(juju_root, unit):
    return "%s/unit-%s" % (tools_root(juju_root), unit_tag(unit))


def jujud_path(juju_root, machine_id):
    # charmhelpers globs /var/lib/juju/tools/machine-*/jujud for the version.
    return "%s/machine-%s/jujud" % (tools_root(juju_root), machine_id)

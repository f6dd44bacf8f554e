"""Hook tools for the local cloud, and their per-hook server.

The runner starts each hook as `hooktools.py serve-hook CTX CALLS -- HOOK...`
in the machine: this process forks a server that holds the hook's context
file (CTX, written by the host runner; see agent/context.py) and then execs
the hook.  Every tool name is a symlink to jujuc.py, a small client that
hands its argv, cwd and standard streams to that server over the unix socket
named by JUJU_AGENT_SOCKET_ADDRESS; a tool call then costs one bare
interpreter start, not an import of this module and a parse of the context.

Exit codes follow Juju: 2 for flag/argument errors, 1 for runtime errors,
both with "ERROR <message>" on stderr; --help prints help and exits 0.
Runs on the machine's /usr/bin/python3 with the stdlib and PyYAML only,
with -IS: site-packages are added only when YAML is needed.
"""
import fcntl
import json
import os
import re
import sys
import time


class UsageError(Exception):
    code = 2


class RunError(Exception):
    code = 1


# ---- context file -------------------------------------------------------------

class Context:
    def __init__(self, ctx_id, path):
        self.ctx_id, self.path = ctx_id, path
        self._data = None

    @classmethod
    def from_env(cls):
        """A tool run outside the server: in-process tests, or a call the
        server cannot answer (then the file open fails as Juju's would)."""
        ctx_id = os.environ.get("JUJU_CONTEXT_ID")
        path = os.environ.get("JUJU_AGENT_SOCKET_ADDRESS")
        if not ctx_id:
            raise RunError("JUJU_CONTEXT_ID not set")
        if not path:
            raise RunError("JUJU_AGENT_SOCKET_ADDRESS not set")
        return cls(ctx_id, path)

    def _open(self, exclusive):
        try:
            f = open(self.path, "r+")
        except OSError as e:
            raise RunError("cannot reach the unit agent: %s" % e)
        fcntl.flock(f, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        data = json.load(f)
        if data.get("id") != self.ctx_id:
            f.close()
            raise RunError("bad request: unknown context %r" % self.ctx_id)
        return f, data

    @property
    def data(self):
        if self._data is None:
            f, self._data = self._open(False)
            f.close()
        return self._data

    def update(self, fn):
        """Read-modify-write under an exclusive lock."""
        f, data = self._open(True)
        try:
            result = fn(data)
            text = json.dumps(data)   # dumps: C encoder; dump is pure Python
            f.seek(0)
            f.truncate()
            f.write(text)
        finally:
            f.close()
        self._data = data
        return result


# ---- argument parsing (gnuflag-like: interspersed flags, --x=y, -x y) -----------

class Flag:
    def __init__(self, names, value=False, default=None, help=""):
        self.names, self.value, self.default, self.help = names, value, default, help

    @property
    def key(self):
        return self.names[-1].lstrip("-").replace("-", "_")


FORMAT = Flag(["--format"], True, "smart", "output format: smart|json|yaml")
RELATION = Flag(["-r", "--relation"], True, None,
                "relation id, as name:ID or a bare ID")
APP = Flag(["--app"], False, None, "work on the application databag")


def parse(args, flags):
    by_name = {n: f for f in flags for n in f.names}
    opts = {f.key: f.default for f in flags}
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            pos.extend(args[i:])
            break
        if a == "-" or not a.startswith("-"):
            pos.append(a)
            continue
        name, eq, val = a.partition("=")
        f = by_name.get(name)
        if f is None and not name.startswith("--") and len(name) > 2 and \
                name[:2] in by_name and by_name[name[:2]].value:
            f, val, eq = by_name[name[:2]], name[2:], "="
        if f is None:
            raise UsageError("flag provided but not defined: %s" % name)
        if f.value:
            if not eq:
                if i >= len(args):
                    raise UsageError("flag needs an argument: %s" % name)
                val = args[i]
                i += 1
            opts[f.key] = val
        else:
            if eq and val.lower() not in ("true", "false", "1", "0", "t", "f"):
                raise UsageError('invalid boolean value "%s" for flag %s' % (val, name))
            opts[f.key] = (not eq) or val.lower() in ("true", "1", "t")
    fmt = opts.get("format")
    if fmt is not None and fmt not in ("smart", "json", "yaml"):
        raise UsageError('invalid value "%s" for flag --format: unknown format "%s"'
                         % (fmt, fmt))
    return opts, pos


def no_more(pos, n):
    if len(pos) > n:
        raise UsageError("unrecognized args: [%s]" % " ".join(
            '"%s"' % p for p in pos[n:]))


def key_values(words, trim=True):
    """Juju's key=value rules: split on the first '=', trim, no dup keys."""
    out = {}
    for w in words:
        key, sep, val = w.partition("=")
        if trim:
            key, val = key.strip(), val.strip()
        if not sep or not key:
            raise UsageError('expected "key=value", got "%s"' % w)
        if key in out:
            raise UsageError('key "%s" specified more than once' % key)
        out[key] = val
    return out


# ---- output ----------------------------------------------------------------------

def _import_yaml():
    try:
        import yaml
    except ImportError:
        import site
        site.main()
        import yaml
    return yaml


def _yaml(value):
    yaml = _import_yaml()
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True,
                          allow_unicode=True, width=1 << 30)
    if text.endswith("\n...\n"):
        text = text[:-4]
    return text


def render(value, fmt):
    if fmt == "json":
        return json.dumps(value, separators=(",", ":"), sort_keys=True,
                          ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return "" if value is None else _yaml(value)
    # smart
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return ("True" if value else "False") + "\n"
    if isinstance(value, str):
        return value if value.endswith("\n") else value + "\n"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(v + "\n" for v in value)
    return _yaml(value)


def emit(value, opts):
    sys.stdout.write(render(value, opts.get("format") or "smart"))


def now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%06dZ" % (t % 1 * 1e6)


# ---- relation helpers ------------------------------------------------------------------

def relation_id(ctx, value, required=True):
    if value is None:
        rid = ctx.data.get("relation_id")
        if rid is None:
            if required:
                raise UsageError("no relation id specified")
            return None
        return str(rid)
    tail = value.rsplit(":", 1)[-1]
    try:
        rid = int(tail)
    except ValueError:
        raise UsageError('invalid value "%s" for option -r: invalid relation id'
                         % value)
    if str(rid) not in ctx.data["relations"]:
        raise UsageError('invalid value "%s" for option -r: unknown relation id'
                         % value)
    return str(rid)


def local_pending(ctx, rid, which):
    return ctx.data["pending"]["relations"].get(rid, {}).get(which, {})


def merged(committed, pending):
    out = dict(committed)
    for k, v in pending.items():
        if v == "":
            out.pop(k, None)
        else:
            out[k] = v
    return out


# ---- tools ---------------------------------------------------------------------------

TOOLS = {}


def tool(name, flags, usage, summary):
    def deco(fn):
        TOOLS[name] = (fn, flags, usage, summary)
        return fn
    return deco


@tool("juju-log", [Flag(["--debug"]), Flag(["-l", "--log-level"], True, "INFO",
                                           "logging level"), FORMAT],
      "<message>", "write a message to the juju log")
def juju_log(ctx, opts, pos):
    if not pos:
        raise UsageError("no message specified")
    level = (opts["log_level"] or "INFO").upper()
    if opts["debug"]:
        level = "DEBUG"
    if level == "WARN":
        level = "WARNING"
    if level not in ("TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        sys.stderr.write('WARNING invalid log level "%s", using INFO\n' % level)
        level = "INFO"
    if opts["format"] != "smart":
        sys.stderr.write("--format flag deprecated for command \"juju-log\"\n")
    msg = " ".join(pos)
    d = ctx.data
    if d.get("relation_id") is not None:
        rel = d["relations"].get(str(d["relation_id"]))
        if rel:
            msg = "%s:%s: %s" % (rel["name"], rel["id"], msg)

    def add(data):
        data["pending"]["logs"].append([level, msg, now()])
    ctx.update(add)


@tool("config-get", [Flag(["-a", "--all"]), FORMAT], "[<key>]",
      "print application configuration")
def config_get(ctx, opts, pos):
    no_more(pos, 1)
    cfg = ctx.data["config"]
    if pos:
        if opts["all"]:
            raise UsageError('cannot use argument --all together with key "%s"'
                             % pos[0])
        return emit(cfg.get(pos[0]), opts)
    if opts["all"]:
        return emit(cfg, opts)
    emit({k: v for k, v in cfg.items() if v is not None}, opts)


@tool("relation-get", [RELATION, APP, FORMAT], "<key|-> [<unit|app>]",
      "get relation settings")
def relation_get(ctx, opts, pos):
    no_more(pos, 2)
    rid = relation_id(ctx, opts["relation"])
    key = pos[0] if pos else "-"
    d = ctx.data
    rel = d["relations"][rid]
    label = "%s:%s" % (rel["name"], rel["id"])
    if len(pos) > 1:
        who = pos[1]
    elif opts["app"]:
        who = d.get("remote_app") or ""
    else:
        who = d.get("remote_unit") or ""
    if not who:
        raise UsageError("no unit or application specified")
    if opts["app"]:
        if rel["broken"]:
            raise RunError("cannot read application settings for %s: "
                           "relation is broken" % label)
        if who not in rel["apps"]:
            raise RunError("permission denied")
        bag = rel["apps"][who]
        if who == d["app"]:
            bag = merged(bag, local_pending(ctx, rid, "app"))
    elif who == d["unit"]:
        bag = merged(rel["units"].get(who, {}), local_pending(ctx, rid, "unit"))
    elif who in rel["units"]:
        bag = rel["units"][who]
    elif who.rsplit("/", 1)[0] == rel["remote_app"]:
        raise RunError('cannot read settings for unit "%s" in relation "%s": '
                       'unit "%s": settings not found' % (who, label, who))
    else:
        raise RunError("permission denied")
    if key in ("", "-"):
        return emit(bag, opts)
    emit(bag.get(key), opts)


def _string_loader():
    """A YAML loader that keeps every scalar's literal text (only null is
    resolved), as Go's yaml.v2 does when decoding into map[string]string."""
    yaml = _import_yaml()

    class StringLoader(yaml.SafeLoader):
        pass
    StringLoader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in rs if tag == "tag:yaml.org,2002:null"]
        for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return StringLoader


def read_settings_file(path):
    yaml = _import_yaml()
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path) as f:
                text = f.read()
    except OSError as e:
        raise UsageError(str(e))
    try:
        data = yaml.load(text, Loader=_string_loader())
    except yaml.YAMLError as e:
        raise UsageError("cannot parse settings file: %s" % e)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError("settings file must contain a YAML mapping")
    out = {}
    for k, v in data.items():
        if isinstance(v, (dict, list)):
            raise UsageError('value of "%s" must be a string' % k)
        out["" if k is None else str(k)] = "" if v is None else str(v)
    return out


@tool("relation-set", [RELATION, APP, Flag(["--file"], True, None,
      "file containing key-value pairs (YAML map); - reads stdin"), FORMAT],
      "[--file <path>] key=value [key=value ...]", "set relation settings")
def relation_set(ctx, opts, pos):
    settings = {}
    if opts["file"] is not None:
        settings.update(read_settings_file(opts["file"]))
    settings.update(key_values(pos))
    rid = relation_id(ctx, opts["relation"])
    if opts["format"] != "smart":
        sys.stderr.write("--format flag deprecated for command \"relation-set\"\n")
    which = "app" if opts["app"] else "unit"
    if opts["app"] and not ctx.data["leader"]:
        raise RunError("cannot write relation settings")

    def add(data):
        data["pending"]["relations"].setdefault(rid, {}).setdefault(
            which, {}).update(settings)
    ctx.update(add)


@tool("relation-ids", [FORMAT], "<name>", "list all relation ids with the given name")
def relation_ids(ctx, opts, pos):
    no_more(pos, 1)
    d = ctx.data
    if pos:
        name = pos[0]
    elif d.get("relation_id") is not None:
        name = d["relations"][str(d["relation_id"])]["name"]
    else:
        raise UsageError("no endpoint name specified")
    ids = sorted("%s:%s" % (r["name"], r["id"]) for r in d["relations"].values()
                 if r["name"] == name and r["listed"])
    emit(ids, opts)


@tool("relation-list", [RELATION, APP, FORMAT], "",
      "list relation units")
def relation_list(ctx, opts, pos):
    no_more(pos, 0)
    rid = relation_id(ctx, opts["relation"])
    rel = ctx.data["relations"][rid]
    if opts["app"]:
        return emit(rel["remote_app"], opts)
    emit(list(rel["members"]), opts)


@tool("unit-get", [FORMAT], "<setting>", "print public-address or private-address")
def unit_get(ctx, opts, pos):
    if not pos:
        raise UsageError("no setting specified")
    no_more(pos, 1)
    if pos[0] not in ("private-address", "public-address"):
        raise UsageError('unknown setting "%s"' % pos[0])
    net = ctx.data["network"]
    emit(net["address"] if pos[0] == "private-address" else net["public_address"],
         opts)


@tool("network-get", [Flag(["--primary-address"]), Flag(["--bind-address"]),
                      Flag(["--ingress-address"]), Flag(["--egress-subnets"]),
                      RELATION, FORMAT],
      "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]",
      "get network config")
def network_get(ctx, opts, pos):
    if not pos:
        raise UsageError("no arguments specified")
    no_more(pos, 1)
    if opts["relation"] is not None:
        relation_id(ctx, opts["relation"])
    binding = pos[0]
    net = ctx.data["network"]
    if binding not in net["bindings"]:
        raise RunError('no network config found for binding "%s"' % binding)
    picks = [k for k in ("bind_address", "ingress_address", "egress_subnets")
             if opts[k]]
    addr = net["address"]
    egress = [addr + "/32"] if addr else []
    if opts["primary_address"]:
        if picks or opts["relation"] is not None:
            raise RunError("--primary-address must be used alone")
        return emit(addr, opts)
    values = {"bind_address": addr, "ingress_address": addr,
              "egress_subnets": egress}
    if len(picks) == 1:
        return emit(values[picks[0]], opts)
    if picks:
        return emit({k.replace("_", "-"): values[k] for k in picks}, opts)
    fmt = opts["format"]
    address = {"hostname": "", "value": addr, "cidr": net["cidr"]}
    bind = {"mac-address": net["mac"], "interface-name": net["interface"],
            "addresses": [address]}
    if fmt != "json":  # legacy duplicate keys exist in YAML output only
        address["address"] = addr
        bind["macaddress"] = net["mac"]
        bind["interfacename"] = net["interface"]
    emit({"bind-addresses": [bind], "egress-subnets": egress,
          "ingress-addresses": [addr] if addr else []}, opts)


@tool("status-get", [Flag(["--application"]), Flag(["--include-data"]), FORMAT],
      "[--include-data] [--application]", "print status information")
def status_get(ctx, opts, pos):
    no_more(pos, 0)
    d = ctx.data

    def shape(s):
        return {"status": s["status"], "message": s.get("message", ""),
                "status-data": s.get("data") or {}}
    if opts["application"]:
        if not d["leader"]:
            raise RunError("finding application status: this unit is not the leader")
        out = shape(d["app_status"])
        out["units"] = {u: shape(s) for u, s in d["app_unit_statuses"].items()}
        return emit({"application-status": out}, opts)
    if opts["include_data"]:
        return emit(shape(d["status"]), opts)
    emit(d["status"]["status"], opts)


STATUSES = ("maintenance", "blocked", "waiting", "active")


@tool("status-set", [Flag(["--application"])], "<maintenance|blocked|waiting|active> [message]",
      "set status information")
def status_set(ctx, opts, pos):
    if not pos:
        raise UsageError("invalid args, require <status> [message]")
    no_more(pos, 2)
    if pos[0] not in STATUSES:
        raise UsageError('invalid status "%s", expected one of [%s]' % (
            pos[0], " ".join(STATUSES)))
    status = {"status": pos[0], "message": pos[1] if len(pos) > 1 else "",
              "since": now(), "data": {}}
    if opts["application"] and not ctx.data["leader"]:
        raise RunError("setting application status: this unit is not the leader")

    def set_(data):
        if opts["application"]:
            data["app_status"] = status
            data["pending"]["app_status_set"] = True
        else:
            data["status"] = status
            data["pending"]["status_set"] = True
            data["app_unit_statuses"][data["unit"]] = status
    ctx.update(set_)


@tool("application-version-set", [], "<version>", "specify which version of the "
      "application is deployed")
def application_version_set(ctx, opts, pos):
    if not pos:
        raise UsageError("no version specified")
    no_more(pos, 1)

    def set_(data):
        data["pending"]["version"] = pos[0]
    ctx.update(set_)


PORT_RE = re.compile(r"^(\d+)(?:-(\d+))?(?:/([a-z]+))?$")


def parse_port(text):
    t = text.lower()
    bad = UsageError('expected <port>[/<protocol>] or <from>-<to>[/<protocol>] '
                     'or icmp; got "%s"' % text)
    if t == "icmp":
        return "icmp"
    m = PORT_RE.match(t)
    if not m:
        raise bad
    lo, hi, proto = int(m.group(1)), int(m.group(2) or m.group(1)), m.group(3) or "tcp"
    if proto not in ("tcp", "udp"):
        raise bad
    for p in (lo, hi):
        if not 1 <= p <= 65535:
            raise UsageError("port must be in the range [1, 65535]; got \"%d\"" % p)
    if lo > hi:
        raise UsageError("invalid port range %d-%d/%s; expected fromPort <= toPort"
                         % (lo, hi, proto))
    return ("%d/%s" % (lo, proto)) if lo == hi else ("%d-%d/%s" % (lo, hi, proto))


def _port_tool(op):
    def fn(ctx, opts, pos):
        if not pos:
            raise UsageError("no port or range specified")
        no_more(pos, 1)
        port = parse_port(pos[0])

        def add(data):
            data["pending"]["ports"].append([op, port])
        ctx.update(add)
    return fn


tool("open-port", [Flag(["--endpoints"], True, None, "endpoints"), FORMAT],
     "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp",
     "register a request to open a port or port range")(_port_tool("open"))
tool("close-port", [Flag(["--endpoints"], True, None, "endpoints"), FORMAT],
     "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp",
     "register a request to close a port or port range")(_port_tool("close"))


@tool("opened-ports", [Flag(["--endpoints"]), FORMAT], "",
      "list all ports or port ranges opened by the unit")
def opened_ports(ctx, opts, pos):
    no_more(pos, 0)
    ports = list(ctx.data["ports"])
    if opts["endpoints"]:
        ports = [p + " (*)" for p in ports]
    emit(ports, opts)


@tool("is-leader", [FORMAT], "", "print application leadership status")
def is_leader(ctx, opts, pos):
    no_more(pos, 0)
    emit(bool(ctx.data["leader"]), opts)


@tool("leader-get", [FORMAT], "[<key>|-]", "print application leadership settings")
def leader_get(ctx, opts, pos):
    no_more(pos, 1)
    key = pos[0] if pos else "-"
    if "=" in key:
        raise UsageError('invalid key "%s"' % key)
    settings = ctx.data["leader_settings"]
    emit(dict(settings) if key in ("", "-") else settings.get(key), opts)


@tool("leader-set", [], "<key>=<value> [...]", "write application leadership settings")
def leader_set(ctx, opts, pos):
    settings = key_values(pos)
    if not ctx.data["leader"]:
        raise RunError("cannot write leadership settings: cannot write settings: "
                       "not the leader")

    def set_(data):
        data["pending"]["leader_set"].update(settings)
        data["leader_settings"] = merged(data["leader_settings"], settings)
    ctx.update(set_)


def _action(ctx):
    a = ctx.data.get("action")
    if not a:
        raise RunError("not running an action")
    return a


@tool("action-get", [FORMAT], "[<key>[.<key>.<key>...]]", "get action parameters")
def action_get(ctx, opts, pos):
    no_more(pos, 1)
    params = _action(ctx)["params"]
    if not pos:
        return emit(params, opts)
    value = params
    for part in pos[0].split("."):
        if not isinstance(value, dict) or part not in value:
            return emit(None, opts)
        value = value[part]
    emit(value, opts)


KEY_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
RESERVED = ("stdout", "stderr", "stdout-encoding", "stderr-encoding")


@tool("action-set", [], "<key>=<value> [<key>=<value> ...]", "set action results")
def action_set(ctx, opts, pos):
    if not pos:
        raise UsageError("no key=value pairs specified")
    results = {}
    for w in pos:
        key, sep, val = w.partition("=")
        if not sep:
            raise UsageError('argument "%s" must be of the form key...=value' % w)
        parts = key.split(".")
        for p in parts:
            if not KEY_RE.match(p):
                raise UsageError('key "%s" must start and end with lowercase '
                                 'alphanumeric, and contain only lowercase '
                                 'alphanumeric, hyphens and periods' % p)
        if parts[0] in RESERVED and len(parts) == 1:
            raise UsageError('cannot set reserved action key "%s"' % key)
        d = results
        for p in parts[:-1]:
            d = d.setdefault(p, {})
            if not isinstance(d, dict):
                raise UsageError('key "%s" conflicts with an earlier value' % key)
        d[parts[-1]] = val
    _action(ctx)

    def deep(dst, src):
        for k, v in src.items():
            if isinstance(v, dict) and isinstance(dst.get(k), dict):
                deep(dst[k], v)
            else:
                dst[k] = v

    def set_(data):
        deep(data["pending"]["action"]["results"], results)
    ctx.update(set_)


@tool("action-fail", [], "[\"<failure message>\"]", "set action fail status with message")
def action_fail(ctx, opts, pos):
    no_more(pos, 1)
    _action(ctx)
    msg = pos[0] if pos else "action failed without reason given"

    def set_(data):
        data["pending"]["action"]["failed"] = msg
    ctx.update(set_)


@tool("action-log", [], "<message>", "record a progress message for the current action")
def action_log(ctx, opts, pos):
    if not pos:
        raise UsageError("no message specified")
    _action(ctx)

    def add(data):
        data["pending"]["action"]["log"].append(
            {"message": " ".join(pos), "timestamp": now()})
    ctx.update(add)


@tool("goal-state", [FORMAT], "", "print the status of the charm's peers and related units")
def goal_state(ctx, opts, pos):
    no_more(pos, 0)
    if opts["format"] == "smart":
        opts["format"] = "yaml"
    emit(ctx.data["goal_state"], opts)


@tool("juju-reboot", [Flag(["--now"])], "", "reboot the host machine")
def juju_reboot(ctx, opts, pos):
    no_more(pos, 0)
    if ctx.data.get("action"):
        raise RunError("juju-reboot is not supported when running an action.")

    def set_(data):
        data["pending"]["reboot"] = "now" if opts["now"] else "after"
    ctx.update(set_)


def help_text(name):
    fn, flags, usage, summary = TOOLS[name]
    lines = ["Usage: %s [options] %s" % (name, usage), "", "Summary:", summary, "",
             "Options:"]
    for f in flags:
        lines.append("%s%s" % (", ".join(f.names),
                               " (= %s)" % f.default if f.value and f.default else ""))
        lines.append("    " + (f.help or ""))
    return "\n".join(lines) + "\n"


def main(argv, ctx=None):
    name = os.path.basename(argv[0])
    args = argv[1:]
    if name not in TOOLS and args and args[0] in TOOLS:
        name, args = args[0], args[1:]
    if name not in TOOLS:
        sys.stderr.write("ERROR unknown hook tool %r\n" % name)
        return 2
    fn, flags, usage, summary = TOOLS[name]
    head = args[:args.index("--")] if "--" in args else args
    if "--help" in head or "-h" in head:
        sys.stdout.write(help_text(name))
        return 0
    try:
        opts, pos = parse(args, flags)
        fn(ctx or Context.from_env(), opts, pos)
    except (UsageError, RunError) as e:
        sys.stderr.write("ERROR %s\n" % e)
        return e.code
    return 0


# ---- the per-hook server ---------------------------------------------------------

ANSWER_TIMEOUT = 60     # a client that connects and then says nothing


def sockaddr(address):
    """'@name' is Linux's abstract namespace: no file, no path length
    trouble, gone with the process."""
    return "\0" + address[1:] if address.startswith("@") else address


def _recv_exact(conn, n, first=b""):
    data = first
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("client went away")
        data += chunk
    return data


def _answer(conn, ctx, calls_path):
    """One tool call: header (8-byte length + the client's stdin, stdout and
    stderr as SCM_RIGHTS), then a marshalled (context id, argv, cwd); the
    reply is the exit code, once the output is written."""
    import marshal
    import socket
    import traceback
    head, anc, _, _ = conn.recvmsg(8, socket.CMSG_SPACE(3 * 4))
    fds = []
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += [int.from_bytes(data[i:i + 4], sys.byteorder)
                    for i in range(0, len(data) - 3, 4)]
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return
    head = _recv_exact(conn, 8, head)
    ctx_id, argv, cwd = marshal.loads(_recv_exact(conn, int.from_bytes(head, "little")))
    with open(calls_path, "a") as f:
        f.write(os.path.basename(argv[0]) + "\n")
    saved = sys.stdin, sys.stdout, sys.stderr
    streams = [open(fd, mode, encoding="utf-8", errors="surrogateescape")
               for fd, mode in zip(fds, "rww")]
    sys.stdin, sys.stdout, sys.stderr = streams
    try:
        os.chdir(cwd)
        rc = main(argv, ctx if ctx_id == ctx.ctx_id else Context(ctx_id, ctx.path))
    except Exception:
        traceback.print_exc()
        rc = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        for f in streams:
            try:
                f.close()
            except OSError:   # the caller closed its end: as a write error
                rc = rc or 1
    conn.sendall(bytes([rc]))


def _serve(sock, ctx, calls_path, hook):
    """Answer tool calls, one at a time, until the hook process (pidfd
    `hook`) is gone."""
    import select
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):    # hold no pipe of the caller open after the hook
        os.dup2(null, fd)
    while hook not in select.select([sock, hook], [], [])[0]:
        conn, _ = sock.accept()
        with conn:
            conn.settimeout(ANSWER_TIMEOUT)
            try:
                _answer(conn, ctx, calls_path)
            except (OSError, EOFError, ValueError):
                pass          # that caller gets no answer and exits 1


def serve_hook(ctx_path, calls_path, argv):
    """Start the hook's tool server, then become the hook (same pid, so the
    runner's timeout and exit code apply to the hook itself).  The server
    is a grandchild, not a child the hook could wait for."""
    import socket
    ctx = Context(os.environ["JUJU_CONTEXT_ID"], ctx_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(sockaddr(os.environ["JUJU_AGENT_SOCKET_ADDRESS"]))
    sock.listen(64)
    hook = os.pidfd_open(os.getpid())   # readable once the hook has exited
    child = os.fork()
    if child == 0:
        try:
            if os.fork() == 0:
                _serve(sock, ctx, calls_path, hook)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    sock.close()
    os.close(hook)
    try:
        os.execv(argv[0], argv)
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (argv[0], e))
    return 1


if __name__ == "__main__":
    # hooktools.py serve-hook CTX CALLS -- HOOK [ARG...]
    sys.exit(serve_hook(sys.argv[2], sys.argv[3], sys.argv[5:]))

"""Action records: parameter parsing and validation against actions.yaml."""
import yaml

from .model import OpError, now

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def parse_args(args, spec):
    """k=v words -> params.  Values are YAML, as `juju run` reads them; a
    value for a string-typed param keeps its literal text.  Dotted keys
    nest (a.b=1 -> {a: {b: 1}})."""
    params = {}
    props = (spec or {}).get("params") or {}
    for word in args:
        key, sep, text = word.partition("=")
        if not sep or not key:
            raise OpError('argument "%s" must be of the form key=value' % word)
        try:
            value = yaml.safe_load(text) if text else ""
        except yaml.YAMLError:
            value = text
        path = key.split(".")
        if (props.get(path[0]) or {}).get("type") == "string" and len(path) == 1:
            value = text
        d = params
        for p in path[:-1]:
            d = d.setdefault(p, {})
        d[path[-1]] = value
    return params


def validate(spec, params):
    """Check types/enum/required/additionalProperties; fill defaults."""
    props = (spec or {}).get("params") or {}
    out = dict(params)
    for k, v in params.items():
        p = props.get(k)
        if p is None:
            if (spec or {}).get("additionalProperties", True) is False:
                raise OpError('validation failed: (root) : additional property '
                              '"%s" is not allowed, given %s' % (k, params))
            continue
        types = p.get("type")
        if types:
            types = types if isinstance(types, list) else [types]
            if not any(_TYPES.get(t, lambda v: True)(v) for t in types):
                raise OpError('validation failed: (root).%s : must be of type '
                              '%s, given %r' % (k, "/".join(types), v))
        if "enum" in p and v not in p["enum"]:
            raise OpError('validation failed: (root).%s : must be one of %s, '
                          'given %r' % (k, p["enum"], v))
    for k in (spec or {}).get("required") or []:
        if k not in out:
            raise OpError('validation failed: (root) : "%s" property is '
                          'missing and required, given %s' % (k, params))
    for k, p in props.items():
        if k not in out and isinstance(p, dict) and "default" in p:
            out[k] = p["default"]
    return out


def request(st, unit_name, name, words):
    """`run`: queue action `name` on a unit with k=v words; its id."""
    u = st.units.get(unit_name)
    if not u:
        raise OpError('unit "%s" not found' % unit_name)
    spec = (st.apps[u["app"]]["actions"] or {}).get(name)
    return enqueue(st, unit_name, name, parse_args(words, spec))


def enqueue(st, unit_name, name, params):
    u = st.units.get(unit_name)
    if not u:
        raise OpError('unit "%s" not found' % unit_name)
    specs = st.apps[u["app"]]["actions"] or {}
    if name not in specs:
        raise OpError('action "%s" not defined on unit "%s"' % (name, unit_name))
    params = validate(specs[name], params)
    aid = st.next_action_id()
    st.actions[aid] = {
        "id": aid, "unit": unit_name, "name": name, "params": params,
        "status": "pending", "message": "", "results": {}, "log": [],
        "stdout": "", "stderr": "", "return-code": None,
        "enqueued": now(), "started": None, "completed": None,
    }
    u["actions"].append(aid)
    return aid


def report(rec):
    """The YAML-able summary the CLI prints for an action."""
    results = dict(rec["results"])
    if rec["return-code"] is not None:
        results["return-code"] = rec["return-code"]
    if rec["stdout"]:
        results["stdout"] = rec["stdout"]
    if rec["stderr"]:
        results["stderr"] = rec["stderr"]
    out = {"id": rec["id"], "unit": rec["unit"], "action": rec["name"],
           "status": rec["status"]}
    if rec["message"]:
        out["message"] = rec["message"]
    if rec["log"]:
        out["log"] = [entry["message"] for entry in rec["log"]]
    out["results"] = results
    out["timing"] = {k: rec[k] for k in ("enqueued", "started", "completed")
                     if rec[k]}
    return out


def juju_report(rec):
    """One task as `juju run --format=json|yaml` shows it under its unit."""
    flat = report(rec)
    out = {"id": rec["id"], "results": flat["results"], "status": rec["status"],
           "timing": flat["timing"], "unit": rec["unit"]}
    if rec["message"]:
        out["message"] = rec["message"]
    if rec["log"]:
        out["log"] = flat["log"]
    return out

"""Juju-format bundles: machines, applications (local charm paths relative
to the bundle file: a .charm, or a directory as the stand-ins are),
placements and relations, applied in one model change."""
import os

import yaml

from . import charm as charmlib
from . import operations
from .model import DEFAULT_SERIES, SERIES_BASES, OpError

BASE_SERIES = {v: k for k, v in SERIES_BASES.items()}


def base_to_series(base):
    if not base:
        return None
    if base in BASE_SERIES:
        return BASE_SERIES[base]
    if base in SERIES_BASES:
        return base
    raise OpError("unsupported base %r (have %s)" % (
        base, ", ".join(sorted(BASE_SERIES))))


def load(path):
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    if "applications" not in data and "services" in data:
        data["applications"] = data["services"]
    if not isinstance(data.get("applications"), dict):
        raise OpError("%s: not a bundle (no applications)" % path)
    return data


def _series(spec, default):
    return spec.get("series") or base_to_series(spec.get("base")) or default


def deploy(st, path, series_override=None):
    """Apply a bundle; returns a list of what was done, for printing."""
    data = load(path)
    here = os.path.dirname(os.path.abspath(path))
    default = series_override or data.get("series") or base_to_series(
        data.get("default-base")) or DEFAULT_SERIES
    done = []
    machines = {}
    for bid, spec in (data.get("machines") or {}).items():
        spec = spec or {}
        series = series_override or _series(spec, default)
        mid = st.add_machine(series)
        machines[str(bid)] = mid
        done.append("add machine %s (bundle machine %s, %s)" % (mid, bid, series))
    for name, spec in data["applications"].items():
        spec = spec or {}
        ref = spec.get("charm")
        if not ref:
            raise OpError("application %s: no charm" % name)
        cpath = ref if os.path.isabs(ref) else os.path.join(here, ref)
        if not (os.path.isdir(cpath) or charmlib.is_packed(cpath)):
            raise OpError("application %s: charm %r is neither a .charm nor "
                          "a local directory" % (name, ref))
        ch = charmlib.load(cpath)
        series = series_override or _series(spec, default)
        n = int(spec.get("num_units", spec.get("scale", 0)) or 0)
        placements = spec.get("to") or []
        if isinstance(placements, (str, int)):
            placements = [placements]
        operations.deploy(st, ch, name, series, spec.get("options") or {}, 0)
        for i in range(n):
            to = None
            if i < len(placements):
                target = str(placements[i]).split(":")[-1]
                if target not in machines:
                    raise OpError("application %s: unknown placement %r"
                                  % (name, placements[i]))
                to = machines[target]
            operations.add_units(st, name, 1, to)
        done.append("deploy %s (%s, %d unit%s)" % (name, ch["meta"]["name"], n,
                                                   "" if n == 1 else "s"))
    for pair in data.get("relations") or []:
        a, b = [p if isinstance(p, str) else p[0] for p in pair]
        rel = operations.relate(st, a, b)
        eps = rel["endpoints"]
        done.append("relate %s:%s %s:%s" % (eps[0]["app"], eps[0]["name"],
                                            eps[1]["app"], eps[1]["name"]))
    return done

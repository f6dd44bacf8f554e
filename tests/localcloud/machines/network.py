"""The local cloud's network: bridge lcbr0, addresses, nftables table.

Layout (all fixed, nothing is negotiated):
  bridge lcbr0            10.211.77.1/24 on the host, no DHCP
  machine N               10.211.77.(10+N)   (N = 0..189)
  VIPs for HA tests       10.211.77.200-250  (never given to a machine)

nftables table `inet localcloud` (our only firewall state):
  - postrouting: masquerade 10.211.77.0/24 going anywhere but the bridge;
  - forward, from the bridge to elsewhere: established/related back,
    DNS (udp/tcp 53) to the host's resolvers, tcp 80/443 to the addresses
    that deb.debian.org and the security mirror resolve to (a named set,
    refreshed each time a machine is created), everything else dropped
    (silently: a connection to 1.1.1.1:443 times out);
  - forward, towards the bridge: only established/related.
Host <-> machine traffic is not forwarded, so it is not filtered here.
"""

import ipaddress
import os
import socket
import subprocess

from ..log import log

BRIDGE = "lcbr0"
SUBNET = "10.211.77.0/24"
GATEWAY = "10.211.77.1"
PREFIXLEN = 24
NFT_TABLE = "localcloud"          # family inet
FIRST_MACHINE_HOST = 10
VIP_RANGE = ("10.211.77.200", "10.211.77.250")
BRIDGE_MAC = "00:16:3e:4c:00:01"
ARCHIVE_HOSTS = ("deb.debian.org", "security.debian.org")


def machine_address(machine_id):
    n = int(machine_id)
    if not 0 <= n < 190:
        raise ValueError("machine id %r out of range 0..189" % machine_id)
    return "10.211.77.%d" % (FIRST_MACHINE_HOST + n)


def machine_mac(machine_id):
    n = int(machine_id)
    return "00:16:3e:4c:%02x:%02x" % (n // 256 + 1, n % 256)


def _run(argv, check=True, input=None):
    return subprocess.run(argv, check=check, input=input, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def host_resolvers():
    """IPv4 nameservers of the host's /etc/resolv.conf.

    Loopback resolvers cannot be reached from the machines through NAT;
    those hosts would need a forwarder on the bridge, which we refuse
    loudly rather than producing machines without DNS.
    """
    servers = []
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    try:
                        addr = ipaddress.ip_address(parts[1])
                    except ValueError:
                        continue
                    if addr.version == 4 and not addr.is_loopback:
                        servers.append(str(addr))
    except FileNotFoundError:
        pass
    return servers


def archive_addresses():
    addrs = set()
    for host in ARCHIVE_HOSTS:
        try:
            for info in socket.getaddrinfo(host, 80, socket.AF_INET,
                                           socket.SOCK_STREAM):
                addrs.add(info[4][0])
        except socket.gaierror:
            pass
    return sorted(addrs)


def bridge_exists():
    return os.path.exists("/sys/class/net/%s" % BRIDGE)


def ensure_bridge():
    if not bridge_exists():
        log("creating bridge %s %s/%d" % (BRIDGE, GATEWAY, PREFIXLEN))
        _run(["ip", "link", "add", BRIDGE, "address", BRIDGE_MAC,
              "type", "bridge", "stp_state", "0", "forward_delay", "0"])
    out = _run(["ip", "-4", "-o", "addr", "show", "dev", BRIDGE]).stdout
    if "%s/%d" % (GATEWAY, PREFIXLEN) not in out:
        _run(["ip", "addr", "add", "%s/%d" % (GATEWAY, PREFIXLEN),
              "dev", BRIDGE])
    _run(["ip", "link", "set", BRIDGE, "up"])


def remove_bridge():
    if bridge_exists():
        _run(["ip", "link", "del", BRIDGE], check=False)


def nft_table_exists():
    r = _run(["nft", "list", "table", "inet", NFT_TABLE], check=False)
    return r.returncode == 0


def _ruleset(resolvers, archive):
    def elems(items):
        return "{ %s }" % ", ".join(items) if items else ""
    resolver_rules = ""
    if resolvers:
        resolver_rules = (
            "    iifname \"{br}\" ip daddr {r} udp dport 53 accept\n"
            "    iifname \"{br}\" ip daddr {r} tcp dport 53 accept\n"
        ).format(br=BRIDGE, r=elems(resolvers))
    archive_elems = ("    elements = %s\n" % elems(archive)) if archive else ""
    return (
        "table inet {t} {{\n"
        "  set archive {{\n"
        "    type ipv4_addr\n"
        "{archive_elems}"
        "  }}\n"
        "  chain forward {{\n"
        "    type filter hook forward priority filter; policy accept;\n"
        "    iifname \"{br}\" oifname \"{br}\" accept\n"
        "    oifname \"{br}\" ct state established,related accept\n"
        "    oifname \"{br}\" drop\n"
        "    iifname \"{br}\" ct state established,related accept\n"
        "{resolver_rules}"
        "    iifname \"{br}\" ip daddr @archive tcp dport {{ 80, 443 }} accept\n"
        "    iifname \"{br}\" drop\n"
        "  }}\n"
        "  chain postrouting {{\n"
        "    type nat hook postrouting priority srcnat; policy accept;\n"
        "    ip saddr {net} ip daddr != {net} masquerade\n"
        "  }}\n"
        "}}\n"
    ).format(t=NFT_TABLE, br=BRIDGE, net=SUBNET,
             resolver_rules=resolver_rules, archive_elems=archive_elems)


def ensure_firewall():
    """Create the table once; on later calls only refresh the archive set."""
    archive = archive_addresses()
    if nft_table_exists():
        if archive:
            _run(["nft", "add element inet %s archive { %s }"
                  % (NFT_TABLE, ", ".join(archive))])
        return
    resolvers = host_resolvers()
    if not resolvers:
        raise RuntimeError("no non-loopback IPv4 nameserver in the host's "
                           "/etc/resolv.conf: machines would have no DNS")
    if not archive:
        log("warning: could not resolve %s; machines reach the archive "
            "only through the apt proxy" % ", ".join(ARCHIVE_HOSTS))
    _run(["nft", "-f", "-"], input=_ruleset(resolvers, archive))


def remove_firewall():
    if nft_table_exists():
        _run(["nft", "delete", "table", "inet", NFT_TABLE], check=False)


def ensure_network():
    ensure_bridge()
    ensure_firewall()


def bridge_in_use():
    """Is any interface still attached to the bridge?"""
    try:
        return bool(os.listdir("/sys/class/net/%s/brif" % BRIDGE))
    except FileNotFoundError:
        return False


def remove_network():
    remove_firewall()
    remove_bridge()

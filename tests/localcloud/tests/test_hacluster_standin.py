"""The hacluster stand-in's decisions, as the real charm-hacluster makes
them: which pacemaker objects it deletes, creates or updates for given ha
relation data, and what its corosync.conf says.  Pure functions, no
machine."""

import hashlib
import json
import os

import pytest


@pytest.fixture(scope="module")
def hooks(standin_hooks):
    return standin_hooks("hacluster")


def vip_res(vip):
    return "res_mistral_%s_vip" % hashlib.sha1(vip.encode()).hexdigest()[:7]


OLD, NEW = vip_res("10.0.0.100"), vip_res("10.0.0.101")
HAPROXY = "res_mistral_haproxy"


def relation_data(vip, delete=()):
    """What charmhelpers' generate_ha_relation_data sends for one VIP."""
    res = vip_res(vip)
    data = {
        "json_resources": {res: "ocf:heartbeat:IPaddr2",
                           HAPROXY: "lsb:haproxy"},
        "json_resource_params": {
            res: 'params ip="%s" op monitor timeout="20s" interval="10s" '
                 'depth="0"' % vip,
            HAPROXY: 'meta migration-threshold="INFINITY" failure-timeout='
                     '"5s" op monitor interval="5s"'},
        "json_groups": {"grp_mistral_vips": res},
        "json_clones": {"cl_mistral_haproxy": HAPROXY},
        "json_init_services": {HAPROXY: "haproxy"},
        "json_delete_resources": ["res_mistral_eth0_vip"] + list(delete),
    }
    return {key: json.dumps(value) for key, value in data.items()}


def with_init_script(path):
    return path == "/etc/init.d/haproxy"


def applied(hooks, request):
    """The leader's record once `request` is in the CIB."""
    return {name: hooks.digest(text) for name, text in
            hooks.crm_objects(request, with_init_script).items()}


def test_a_first_request_creates_every_object(hooks):
    req = hooks.ha_request(relation_data("10.0.0.100"))
    objects = hooks.crm_objects(req, with_init_script)
    assert hooks.doomed(req, set()) == []
    assert hooks.crm_changes(objects, set(), {}) == {
        OLD: 'primitive %s ocf:heartbeat:IPaddr2 params ip="10.0.0.100" '
             'op monitor timeout="20s" interval="10s" depth="0"' % OLD,
        HAPROXY: 'primitive res_mistral_haproxy lsb:haproxy meta '
                 'migration-threshold="INFINITY" failure-timeout="5s" op '
                 'monitor interval="5s"',
        "grp_mistral_vips": "group grp_mistral_vips %s" % OLD,
        "cl_mistral_haproxy": "clone cl_mistral_haproxy %s" % HAPROXY}


def test_the_same_request_again_changes_nothing(hooks):
    req = hooks.ha_request(relation_data("10.0.0.100"))
    ids = {OLD, HAPROXY, "grp_mistral_vips", "cl_mistral_haproxy"}
    objects = hooks.crm_objects(req, with_init_script)
    assert hooks.crm_changes(objects, ids, applied(hooks, req)) == {}


def test_a_changed_vip_without_delete_resources_leaves_the_old_one(hooks):
    first = hooks.ha_request(relation_data("10.0.0.100"))
    ids = {OLD, HAPROXY, "grp_mistral_vips", "cl_mistral_haproxy"}
    req = hooks.ha_request(relation_data("10.0.0.101"))
    objects = hooks.crm_objects(req, with_init_script)
    assert hooks.doomed(req, ids) == []
    # the new VIP is created on its own: the group is never updated
    assert list(hooks.crm_changes(objects, ids, applied(hooks, first))) == [
        NEW]


def test_a_changed_vip_in_delete_resources_is_deleted_and_regrouped(hooks):
    first = hooks.ha_request(relation_data("10.0.0.100"))
    ids = {OLD, HAPROXY, "grp_mistral_vips", "cl_mistral_haproxy"}
    req = hooks.ha_request(relation_data("10.0.0.101", delete=[OLD]))
    assert hooks.doomed(req, ids) == [OLD]
    # crmsh deletes the group with its last member
    ids -= {OLD, "grp_mistral_vips"}
    objects = hooks.crm_objects(req, with_init_script)
    assert hooks.crm_changes(objects, ids, applied(hooks, first)) == {
        NEW: objects[NEW],
        "grp_mistral_vips": "group grp_mistral_vips %s" % NEW}
    assert not hooks.configured(req, ids)
    assert hooks.configured(req, ids | {NEW, "grp_mistral_vips"})


def test_a_changed_primitive_is_updated_in_place(hooks):
    first = hooks.ha_request(relation_data("10.0.0.100"))
    data = relation_data("10.0.0.100")
    params = json.loads(data["json_resource_params"])
    params[HAPROXY] = 'op monitor interval="10s"'
    data["json_resource_params"] = json.dumps(params)
    req = hooks.ha_request(data)
    ids = {OLD, HAPROXY, "grp_mistral_vips", "cl_mistral_haproxy"}
    objects = hooks.crm_objects(req, with_init_script)
    assert hooks.crm_changes(objects, ids, applied(hooks, first)) == {
        HAPROXY: 'primitive res_mistral_haproxy lsb:haproxy op monitor '
                 'interval="10s"'}


def test_lsb_haproxy_only_where_its_init_script_exists(hooks):
    assert hooks.agent_for("lsb:haproxy", with_init_script) == "lsb:haproxy"
    assert hooks.agent_for("lsb:haproxy", lambda path: False) == \
        "systemd:haproxy"
    assert hooks.agent_for("ocf:heartbeat:IPaddr2", lambda path: False) == \
        "ocf:heartbeat:IPaddr2"


def test_plain_keys_are_read_when_json_ones_are_absent(hooks):
    req = hooks.ha_request({"resources": "{'res_x': 'ocf:pacemaker:Dummy'}",
                            "delete_resources": "['res_a', 'res_b']"})
    assert req == {"resources": {"res_x": "ocf:pacemaker:Dummy"},
                   "delete_resources": ["res_a", "res_b"]}


def test_cluster_count_defaults_to_three(hooks):
    import yaml
    charm = os.path.dirname(os.path.dirname(hooks.__file__))
    with open(os.path.join(charm, "config.yaml")) as f:
        options = yaml.safe_load(f)["options"]
    assert options["cluster_count"]["default"] == 3


def test_multicast_binds_to_the_principals_interface_and_port(hooks,
                                                              monkeypatch):
    calls = []

    def ip(*cmd, **kwargs):
        calls.append(cmd)
        return "2: ens3    inet 10.0.0.7/24 brd 10.0.0.255 scope global ens3"
    monkeypatch.setattr(hooks.sd, "run", ip)
    monkeypatch.setattr(hooks.sd, "local_unit", lambda: "hacluster/0")
    cfg = {"corosync_transport": "multicast", "corosync_token": 1000,
           "corosync_mcastaddr": "226.94.1.1"}
    principal = {"corosync_bindiface": "ens3", "corosync_mcastport": "5474"}
    mcast = hooks.multicast(cfg, [principal])
    assert calls == [("ip", "-o", "-4", "addr", "show", "dev", "ens3")]
    assert mcast == {"bindnetaddr": "10.0.0.0", "mcastport": 5474,
                     "mcastaddr": "226.94.1.1"}
    members = [{"unit": "hacluster/0", "address": "10.0.0.7",
                "name": "m0", "nodeid": 1}]
    conf = hooks.corosync_conf(cfg, members, mcast)
    assert "    transport: udp\n" in conf
    assert ("    interface {\n        linknumber: 0\n"
            "        bindnetaddr: 10.0.0.0\n"
            "        mcastaddr: 226.94.1.1\n"
            "        mcastport: 5474\n    }\n") in conf
    # its own config wins over the principal's, as the real charm's
    own = dict(cfg, corosync_bindiface="ens3", corosync_mcastport=6000)
    assert hooks.multicast(own, [principal])["mcastport"] == 6000
    # nothing to bind to yet: no corosync.conf
    assert hooks.multicast(cfg, [{}]) is None


def test_unicast_ignores_the_multicast_settings(hooks, monkeypatch):
    monkeypatch.setattr(hooks.sd, "local_unit", lambda: "hacluster/0")
    members = [{"unit": "hacluster/0", "address": "10.0.0.7",
                "name": "m0", "nodeid": 1}]
    conf = hooks.corosync_conf({"corosync_transport": "unicast"}, members)
    assert "    transport: udpu\n" in conf
    assert "mcastport" not in conf


def test_pause_puts_the_node_in_standby_until_resume(hooks, monkeypatch,
                                                     tmp_path):
    calls, statuses = [], []
    monkeypatch.setattr(hooks.sd, "run", lambda *cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(hooks.sd, "status_set",
                        lambda *status: statuses.append(status))
    monkeypatch.setattr(hooks, "PAUSED_FLAG", str(tmp_path / "paused"))
    hooks.handle("pause")
    assert calls == [("crm", "node", "standby")]
    assert statuses == [("maintenance", hooks.PAUSED_MESSAGE)]
    assert os.path.exists(hooks.PAUSED_FLAG)
    hooks.resume()
    assert calls[-1] == ("crm", "node", "online")
    assert not os.path.exists(hooks.PAUSED_FLAG)

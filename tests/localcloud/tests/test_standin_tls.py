"""The vault stand-in's certificate authority and its tls-certificates
answers, checked with openssl (no machine, no hook tools)."""
import json

import pytest


@pytest.fixture(scope="module")
def vault(standin_hooks):
    return standin_hooks("vault")


@pytest.fixture
def state(vault):
    return vault.ensure_ca({}, {})


def request_settings(cn, sans, unit_name="mistral_0"):
    return {"cert_requests": json.dumps({cn: {"sans": sans}}),
            "unit_name": unit_name}


def test_an_issued_certificate_has_the_requested_sans_and_the_ca_signed_it(
        vault):
    ca, key = vault.pki.make_ca("test CA")
    cert, _ = vault.pki.issue(ca, key, "juju-a-0", ["10.0.0.5", "10.0.0.200"])
    assert vault.pki.sans(cert) == ["DNS:juju-a-0", "IP:10.0.0.200",
                                    "IP:10.0.0.5"]
    assert vault.pki.verifies(ca, cert)
    other, _ = vault.pki.make_ca("other CA")
    assert not vault.pki.verifies(other, cert)
    expired, _ = vault.pki.issue(ca, key, "juju-a-0", [], days=-1)
    assert not vault.pki.verifies(ca, expired)


def test_a_name_openssl_would_misread_is_not_signed(vault):
    ca, key = vault.pki.make_ca("test CA")
    with pytest.raises(ValueError):
        vault.pki.issue(ca, key, "a/CN=evil", [])


def test_requests_are_read_in_every_form_vault_reads(vault):
    data = dict(request_settings("juju-a-0", ["10.0.0.5"]),
                common_name="legacy-cn", sans='["10.0.0.6"]',
                client_cert_requests=json.dumps({"client-cn": {"sans": []}}))
    assert sorted(vault.requests_of(data, "mistral/0")) == [
        ("mistral_0", "client", "client-cn", []),
        ("mistral_0", "legacy", "legacy-cn", ["10.0.0.6"]),
        ("mistral_0", "server", "juju-a-0", ["10.0.0.5"])]
    # no unit_name: the remote unit's name with an underscore
    assert vault.requests_of({"common_name": "x"}, "keystone/1") == [
        ("keystone_1", "legacy", "x", [])]
    assert vault.requests_of({"cert_requests": "{not json"}, "a/0") == []


def test_the_answer_carries_the_ca_and_a_certificate_per_request(
        vault, state):
    requests = vault.requests_of(
        request_settings("juju-a-0", ["10.0.0.5", "10.0.0.200"]), "mistral/0")
    answer = vault.answer_for(state, {}, requests)
    assert answer["ca"] == answer["chain"] == state["ca"]
    issued = json.loads(answer["mistral_0.processed_requests"])
    cert = issued["juju-a-0"]["cert"]
    assert vault.pki.verifies(state["ca"], cert)
    assert vault.pki.sans(cert) == ["DNS:juju-a-0", "IP:10.0.0.200",
                                    "IP:10.0.0.5"]
    assert "PRIVATE KEY" in issued["juju-a-0"]["key"]
    assert vault.pki.verifies(state["ca"], answer["client.cert"])


def test_a_request_is_answered_with_the_same_certificate_until_reissued(
        vault, state):
    requests = vault.requests_of(request_settings("juju-a-0", ["10.0.0.5"]),
                                 "mistral/0")

    def pair():
        answer = vault.answer_for(state, {}, requests)
        return json.loads(answer["mistral_0.processed_requests"])["juju-a-0"]
    first = pair()
    assert pair() == first
    state["generation"] += 1   # what the reissue-certificates action does
    again = pair()
    assert again["cert"] != first["cert"] and again["key"] != first["key"]
    assert vault.pki.verifies(state["ca"], again["cert"])


def test_changed_sans_get_a_new_certificate(vault, state):
    def cert(sans):
        answer = vault.answer_for(state, {}, vault.requests_of(
            request_settings("juju-a-0", sans), "mistral/0"))
        return json.loads(
            answer["mistral_0.processed_requests"])["juju-a-0"]["cert"]
    before = cert(["10.0.0.5"])
    after = cert(["10.0.0.5", "10.0.0.200"])
    assert before != after
    assert "IP:10.0.0.200" in vault.pki.sans(after)


def test_the_legacy_single_request_is_answered_under_server_cert(
        vault, state):
    answer = vault.answer_for(state, {}, vault.requests_of(
        {"common_name": "10.0.0.7", "sans": "[]"}, "keystone/0"))
    assert vault.pki.sans(answer["keystone_0.server.cert"]) == ["IP:10.0.0.7"]
    assert "PRIVATE KEY" in answer["keystone_0.server.key"]

"""zaza tests of the Mistral charm on real Juju (tests/tests.yaml)."""

#!/usr/bin/make
# Everything runs with Debian's python3 and packages that tools/install-deps
# brings in; on a machine without make, call tools/make instead of make.
PYTHON ?= /usr/bin/python3
CHARM_PROOF := /var/cache/charm-mistral/charm-tools/bin/charm-proof
SUITES_PYTHON := /var/cache/charm-mistral/suites/bin/python
CHARMCRAFT := /var/cache/charm-mistral/charmcraft/bin/charmcraft
PYTEST := $(PYTHON) -m coverage run --source=hooks,actions -m pytest -p no:cacheprovider
LINTED := hooks/*.py actions/*.py unit_tests tools/*.py

.PHONY: deps unit_deps build sdist sync lint unit_test fixes_table \
	functional_test ha_test joins_test tls_test examples_test ops_test test \
	release_test \
	deploy-local destroy-local suites_check mojo_local bench

# What the targets need, installed as root from the network (DEPS=unit: only
# what lint and the unit tests need); installs nothing when all is present.
deps:
	@sh tools/install-deps $(DEPS)

# lint and the unit tests: deps only when something they need is missing,
# so that with all present they need no network and change nothing
unit_deps:
	@sh tools/install-deps --check unit || $(MAKE) --no-print-directory deps DEPS=unit

# mistral_ubuntu@22.04-amd64.charm and mistral_ubuntu@24.04-amd64.charm
# (charmcraft.yaml's platforms): charmcraft pack on Ubuntu, elsewhere
# tools/pack_charm.py (same files, same manifest); then charmcraft analyse,
# which may only warn of the OpenStack options' naming
build:
	@sh tools/install-deps --check build || $(MAKE) --no-print-directory deps DEPS=build
	$(PYTHON) tools/pack_charm.py --build $(CHARMCRAFT)

# the pinned charmhelpers sdist, fetched once into ~/.cache/charm-mistral
# (the unit tests rebuild charmhelpers/ from it to prove it is unedited),
# and Mistral's code of every supported release (the fixes table)
sdist:
	$(PYTHON) tools/sync_charmhelpers.py --fetch
	$(PYTHON) tools/mistral_sources.py

# Rebuild the vendored ./charmhelpers from the pinned PyPI sdist plus
# patches/charmhelpers/*.patch (offline once the sdist is cached).
sync:
	$(PYTHON) tools/sync_charmhelpers.py

# flake8, and charm proof with no warning or error (skipped, saying so,
# when its venv is absent: make deps installs it, make test always runs it)
lint: unit_deps
	$(PYTHON) -m flake8 $(LINTED)
	$(PYTHON) -m flake8 --max-line-length=99 $(wildcard tests)
	@if [ ! -x $(CHARM_PROOF) ]; then \
		echo 'charm proof: skipped, $(CHARM_PROOF) is missing (make deps)'; \
	elif $(CHARM_PROOF) . | tee /dev/stderr | grep -E '^(W|E):' >/dev/null; then \
		echo 'charm proof: fix the W:/E: lines above' >&2; exit 1; \
	fi
	@$(MAKE) --no-print-directory suites_check

# the real-Juju suites (zaza, amulet, Mojo) import, and their bundles and
# the local cloud's hold together (2 s, offline; skipped, saying so, when
# the suites' venv is absent: make deps installs it)
suites_check:
	@if [ ! -x $(SUITES_PYTHON) ]; then \
		echo 'suites_check: skipped, $(SUITES_PYTHON) is missing (make deps)'; \
	else $(SUITES_PYTHON) tests/suites_check.py; fi

# the Mojo spec's phases against the local cloud (tests/localjuju as juju);
# the last line: MOJO: N phases passed
mojo_local: deps
	PYTHONPATH=tests $(PYTHON) tests/mojo/run_local.py mistral-ha

# lint + unit tests with the coverage of hooks/ and actions/ (fast, offline:
# -rs names the tests skipped, e.g. the vendoring test without the sdist)
unit_test: lint
	$(PYTEST) -q -rs unit_tests
	$(PYTHON) -m coverage report --fail-under=85

# our fixes run against the code of every release: the table of releases x
# fixes (README, "Our fixes to Mistral"), from the cached sources
fixes_table:
	@$(PYTHON) tools/mistral_sources.py
	$(PYTHON) -m pytest -p no:cacheprovider -q unit_tests/test_mistral_fixes_upstream.py

# the charm deployed to the local cloud (LXC machines), real services
functional_test: deps build
	$(PYTHON) -m pytest -p no:cacheprovider -v tests/functional

# everything CI runs: one test session, so one closing summary line; deps
# and the sdist first, so that charm proof and the vendoring test always
# run; the .charm built and analysed first (the bundles deploy it)
test: deps sdist lint build
	$(PYTEST) -v --durations=25 unit_tests tests/localcloud/tests tests/functional
	$(PYTHON) -m coverage report --fail-under=85

# high availability alone; its last line is the figures measured
ha_test: deps
	$(PYTHON) -m pytest -p no:cacheprovider -v tests/functional/test_ha.py; \
		rc=$$?; cat /var/lib/localcloud/ha-result.txt; exit $$rc

# the three examples/ alone, on the one-unit bundle; its last line is
# EXAMPLES: ssh <hosts that reported>/<hosts>, keystone-actions <ok|fail>,
# report-graph <ok|fail> (each example's run time above it)
examples_test: deps
	$(PYTHON) -m pytest -p no:cacheprovider -v \
		tests/functional/test_examples.py; \
		rc=$$?; cat /var/lib/localcloud/examples-result.txt; exit $$rc

# day-2 operations alone: the zed->epoxy upgrade with data (Debian 12 to 13,
# one machine at a time), a charm refresh and a paused unit on the HA
# bundle, NRPE through the stand-in; its last line is OPS: ...
ops_test: deps build
	$(PYTHON) -m pytest -p no:cacheprovider -v -k \
		'zed_to_epoxy or previous_revision or refresh or paused or checks_are' \
		tests/functional/test_bookworm.py tests/functional/test_ha.py \
		tests/functional/test_nrpe.py; \
		rc=$$?; cat /var/lib/localcloud/ops-result.txt; exit $$rc

# TLS alone (on the HA bundle); its last line is the figures measured
tls_test: deps
	$(PYTHON) -m pytest -p no:cacheprovider -v tests/functional/test_tls.py; \
		rc=$$?; cat /var/lib/localcloud/tls-result.txt; exit $$rc

# joins after with-items runs, on Debian 12, Debian 13 and the HA bundle;
# its last line is the figures measured
joins_test: deps
	$(PYTHON) -m pytest -p no:cacheprovider -v -k joins \
		tests/functional/test_bookworm.py tests/functional/test_single_unit.py \
		tests/functional/test_ha.py; \
		rc=$$?; cat /var/lib/localcloud/joins-result.txt; exit $$rc

# each release alone: Mistral's own Tempest API suite, cron ticks and work
# recovered after a crash, on Debian 13 (the HA bundle) and forky (three
# units); its last lines: RELEASE <series> mistral <version>: tempest
# <passed>/<applicable>, cron <fired>/<ticks>, recovered <n>/<n>
release_test: deps build
	$(PYTHON) -m pytest -p no:cacheprovider -v -k \
		'three_units or api_suite or killed or dead_machine' \
		tests/functional/test_three_units.py tests/functional/test_ha.py; \
		rc=$$?; cat /var/lib/localcloud/release-result.txt; exit $$rc

# hooks and workflow throughput (deploys what it needs: the one-unit bundle
# with Debian's packaged Mistral beside it, then the HA bundle); table,
# plot and results in /var/lib/localcloud/bench; its last line is BENCH:
bench: deps build
	cd tests && $(PYTHON) -m bench

# the README's main job: Mistral in the local cloud, a workflow run on it
deploy-local:
	@sh tools/install-deps --check local || $(MAKE) --no-print-directory deps DEPS=local
	$(PYTHON) tests/deploy_local.py

destroy-local:
	tests/localjuju destroy -y

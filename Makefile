#!/usr/bin/make
PYTHON ?= /usr/bin/python3

# Rebuild the vendored ./charmhelpers from the pinned PyPI sdist plus
# patches/charmhelpers/*.patch (offline once the sdist is cached).
.PHONY: sync
sync:
	$(PYTHON) tools/sync_charmhelpers.py

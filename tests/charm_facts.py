"""The charm's own files the tests and suites use, loaded by path (hooks/
and tools/ are the charm's, not packages, and stay off the import path):
its facts (API port, service names, service type) and its packer."""
import importlib.util
import os

CHARM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(*path):
    path = os.path.join(CHARM, *path)
    name = os.path.basename(path)[:-len('.py')]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FACTS = load('hooks', 'mistral_constants.py')

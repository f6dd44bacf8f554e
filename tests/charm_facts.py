"""The charm's own facts (API port, service names, service type) for the
tests and suites: hooks/mistral_constants.py, loaded by path (hooks/ is the
charm's, not a package, and stays off the import path)."""
import importlib.util
import os

CHARM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load():
    path = os.path.join(CHARM, 'hooks', 'mistral_constants.py')
    spec = importlib.util.spec_from_file_location('mistral_constants', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FACTS = _load()

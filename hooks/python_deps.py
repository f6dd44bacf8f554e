"""Python modules charmhelpers needs, installed before it is imported.

A fresh machine has python3 and PyYAML only (like an Ubuntu cloud image);
charmhelpers would otherwise apt-get them one by one at import time.
"""

import importlib.util
import os
import subprocess

MODULE_PACKAGES = {
    'yaml': 'python3-yaml',
    'jinja2': 'python3-jinja2',
    'netaddr': 'python3-netaddr',
    'netifaces': 'python3-netifaces',
    'psutil': 'python3-psutil',
    'dns': 'python3-dnspython',
    'apt_pkg': 'python3-apt',  # else charmhelpers runs apt-cache per query
    'cryptography': 'python3-cryptography',  # certificate checks
}


def missing_packages():
    return [pkg for module, pkg in MODULE_PACKAGES.items()
            if importlib.util.find_spec(module) is None]


def ensure():
    missing = missing_packages()
    if not missing:
        return
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.check_call(['apt-get', 'update', '-qq'], env=env)
    subprocess.check_call(['apt-get', 'install', '-y', '-qq'] + missing,
                          env=env)

"""The options of mistral.conf that only some Mistral releases have.

Whether the installed Mistral has one is read from its code
(mistral/config.py names every group and option it registers), not from the
release's name: stable branches backported some of them.
"""

import os
import re

from charmhelpers.core.hookenv import WARNING, cached, config, log

from mistral_constants import RELEASE_OPTIONS

CONFIG_PY = 'mistral/config.py'
NAME = re.compile(r"""['"]([a-z_]+)['"]""")


def as_list(value):
    """A list option's items: separated by commas or blanks."""
    return [item for item in re.split(r'[,\s]+', value or '') if item]


def registered(target_dir):
    """The names mistral/config.py under target_dir (dist-packages) has as
    string literals: its groups and options; empty when not installed."""
    try:
        with open(os.path.join(target_dir, CONFIG_PY)) as f:
            return set(NAME.findall(f.read()))
    except OSError:
        return set()


@cached
def release_options(target_dir):
    """{section: [(option, value)]} of the RELEASE_OPTIONS the operator set
    that the installed code has. One set where it has not is left out,
    with a warning (once a hook), so that the unit upgrades to a release
    that has it."""
    names = registered(target_dir)
    sections = {}
    for option, (section, name) in RELEASE_OPTIONS.items():
        items = as_list(config(option))
        if not items:
            continue
        if {section, name} <= names:
            sections.setdefault(section, []).append((name, ','.join(items)))
        elif names:
            log('{}: the installed Mistral has no [{}] {}; not set'.format(
                option, section, name), level=WARNING)
    return sections

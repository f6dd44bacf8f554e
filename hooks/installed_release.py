"""The OpenStack release installed here, from dpkg's record of a package.

charmhelpers' get_os_codename_package (behind os_release and
openstack_upgrade_available) runs `apt-cache show`, a quarter of a second,
twice in a config-changed, and on Ubuntu first tries to install
openstack-release. The installed package's major version through
charmhelpers' own table (PACKAGE_CODENAMES, which has Mistral's) names the
release on Ubuntu, the Cloud Archive and Debian alike, from the one
dpkg-query per hook that also says which packages are missing.
"""

from charmhelpers.contrib.openstack import utils as os_utils

import quick_status
from mistral_constants import OLDEST_RELEASE, VERSION_PACKAGE


# charmhelpers' own, for the packages its table does not have
CHARMHELPERS_CODENAME = os_utils.get_os_codename_package


def package_codename(package, fatal=True):
    """get_os_codename_package's answer: `package`'s release ('epoxy'), or
    None when it is not installed or its version not in the table (then
    os_release falls back to openstack-origin and the charm's oldest
    release; no hook dies of it, whatever `fatal`)."""
    if package not in os_utils.PACKAGE_CODENAMES:
        return CHARMHELPERS_CODENAME(package, fatal)
    version = quick_status.installed_version(package)
    if not version:
        return None
    major = quick_status.upstream_version(version).split('.')[0]
    return os_utils.PACKAGE_CODENAMES[package].get(major)


def release():
    """This unit's release: mistral-common's, else openstack-origin's,
    else the oldest the charm supports. charmhelpers' os_release keeps it
    for the rest of the hook, and its contexts ask it with no package."""
    return os_utils.os_release(VERSION_PACKAGE, base=OLDEST_RELEASE)


def forget():
    """After apt has run: the versions dpkg gave, and the release again."""
    quick_status.forget_installed_versions()
    os_utils.reset_os_release()
    release()


def install():
    """Point charmhelpers at package_codename (os_release,
    openstack_upgrade_available and the audits look it up there)."""
    os_utils.get_os_codename_package = package_codename

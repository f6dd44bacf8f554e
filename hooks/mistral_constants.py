"""Facts about Mistral that the hooks, contexts and actions share.

Each port, path, package and service name lives here once.
"""

from collections import OrderedDict

SERVICE_NAME = 'mistral'
# Keystone's service type for Mistral's v2 API (keystone charm: valid_services)
SERVICE_TYPE = 'workflowv2'
# Package whose version names the OpenStack release installed
VERSION_PACKAGE = 'mistral-common'
# The first release the charm supports (Mistral 14, jammy's); its templates
# serve every later one
OLDEST_RELEASE = 'yoga'

API_PORT = 8989  # public port, served by haproxy; the API sits behind it
API_BACKEND_PORT = 8979  # where the API listens, behind haproxy, always
API_PATH = '/v2'
# oslo.middleware's unauthenticated health check on the API ([healthcheck]
# enabled, Mistral 18.0.0 caracal and later), which haproxy polls. Mistral
# 18-22 wrap it around the whole API and leave the path match to
# oslo.middleware, which dropped it in 7.0.0 (2026.1): with it every request
# would answer 200. gazpacho (Mistral 22, oslo.middleware 7+) keeps it off;
# Mistral 23 routes only this path to it.
HEALTHCHECK_PATH = '/healthcheck'
HEALTHCHECK_SINCE = 'caracal'
HEALTHCHECK_UNSAFE = ('gazpacho',)

API_SERVICE = 'mistral-api'
ENGINE_SERVICE = 'mistral-engine'
EXECUTOR_SERVICE = 'mistral-executor'
MISTRAL_SERVICES = [API_SERVICE, ENGINE_SERVICE, EXECUTOR_SERVICE]
HAPROXY_SERVICE = 'haproxy'
MEMCACHED_SERVICE = 'memcached'
# Every service the charm runs on every release, in the order they restart
# (Mistral's first, the API before haproxy); quick_status.services() adds
# the periodic server where the installed Mistral has one
SERVICES = MISTRAL_SERVICES + [MEMCACHED_SERVICE, HAPROXY_SERVICE]
# Mistral 23 and later: `mistral-server --server periodic` runs the cron
# triggers in a service of its own, the API told not to ([cron_trigger]
# run_in_api = False): under a WSGI server the API's loop never fires, and
# every API worker ran one. Debian's 23.0.0-4 packages no unit for it
# (nothing in its changelog), so the charm writes one where the local
# administrator's go: it wins over a packaged one (/usr/lib), and pause
# can still mask it (a mask is a link in /etc/systemd/system, refused
# where a unit file is). The installed code tells whether the release has
# the server (a stable backport would bring it).
PERIODIC_SERVICE = 'mistral-periodic'
PERIODIC_SERVER_CODE = 'mistral/services/periodic_server.py'
PERIODIC_UNIT = '/usr/local/lib/systemd/system/mistral-periodic.service'
# Engines beyond the packaged one (engine-workers): instances 2 to N of a
# template unit the charm writes beside the periodic server's. An engine
# process runs one database transaction at a time (Mistral 21 and later;
# our fix 8 before), so a busy unit's workflow steps queue on one engine.
ENGINE_WORKER_UNIT = '/usr/local/lib/systemd/system/mistral-engine@.service'
ENGINE_WORKER_SERVICE = 'mistral-engine@{}'
MAX_ENGINE_WORKERS = 16
# the unit's store: how many engines the services run (the count the last
# converge applied; update-status reads no config)
ENGINE_WORKERS_KEY = 'engine-workers'
# What charmhelpers' status assessment says of a unit with nothing missing
READY = 'Unit is ready'

PACKAGES = [
    'mistral-api', 'mistral-engine', 'mistral-executor',
    'python3-mistralclient',
    'python3-pymysql', 'python3-psycopg2',  # either database backend
    'haproxy',
    'memcached', 'python3-memcache',  # keystonemiddleware token cache
    'patch',  # our fixes to the installed Mistral (mistral_patches)
    'ca-certificates',  # update-ca-certificates (mistral_tls)
]
# uWSGI and its Python 3 plugin, where the API runs under uWSGI
# (quick_status.api_on_uwsgi): Debian's mistral-api depends on them, and the
# charm installs them itself whatever a distribution's package depends on
UWSGI_PACKAGES = ['uwsgi-core', 'uwsgi-plugin-python3']

# Run by PyMySQL on every new MySQL connection (the connection URL's
# init_command): Mistral's named locks need READ COMMITTED, which Mistral
# 14-22 set only when its API or engine called setup_db() before the first
# engine was made (22.0.0 no longer calls it; 20.2.0 and 23.0.0 set it on
# the engine themselves). Said here, it holds whatever the release does.
MYSQL_INIT_COMMAND = 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'

# Hardening options only some Mistral releases register: charm option ->
# (mistral.conf section, option), each a list. Stable branches backported
# some (the action provider lists are in 18.1.0, 19.1.1, 20.2.0 and later,
# not in 18.0.1 nor 20.0.0; the std.http and expression ones came with
# 23.0.0), so the installed code tells whether to render one
# (mistral_options).
RELEASE_OPTIONS = OrderedDict([
    ('action-provider-allowlist', ('action_providers', 'allowlist')),
    ('action-provider-denylist', ('action_providers', 'denylist')),
    ('std-http-allowed-hosts', ('action_std_http', 'allowed_hosts')),
    ('std-http-denied-cidrs', ('action_std_http', 'denied_cidrs')),
    ('expression-languages', ('expressions', 'allowed_languages')),
])
# Mistral's action providers (entry points mistral.action.providers) and
# expression languages
ACTION_PROVIDERS = ('legacy', 'adhoc', 'dynamic')
EXPRESSION_LANGUAGES = ('yaql', 'jinja')

MISTRAL_USER = 'mistral'
MISTRAL_DIR = '/etc/mistral'
MISTRAL_CONF = MISTRAL_DIR + '/mistral.conf'
MISTRAL_LOG_DIR = '/var/log/mistral'
# How mistral-api runs, over the packaged unit (quick_status.api_on_uwsgi):
# as mistral-server, or under uWSGI with the charm's own ini (no secrets in
# it: Mistral reads those from mistral.conf)
API_SYSTEMD_OVERRIDE = ('/etc/systemd/system/mistral-api.service.d/'
                        'mistral-server.conf')
API_UWSGI_INI = MISTRAL_DIR + '/mistral-api-charm-uwsgi.ini'
HAPROXY_CONF = '/etc/haproxy/haproxy.cfg'
HAPROXY_GROUP = 'haproxy'
# The API's certificate, its chain and key: haproxy terminates TLS
HAPROXY_PEM = '/etc/haproxy/mistral.pem'
# Client certificates and CAs for RabbitMQ and MySQL (charmhelpers writes
# them); root:mistral 0750, so that nobody else reads a key there
MISTRAL_TLS_DIR = MISTRAL_DIR + '/tls'
# CAs the charm adds to the machine's trust store (update-ca-certificates)
CA_TRUST_DIR = '/usr/local/share/ca-certificates'
SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
MEMCACHED_CONF = '/etc/memcached.conf'
# What the charm's fixes (mistral_patches) came to, for the NRPE check
FIXES_STATE = '/var/lib/mistral-charm/fixes.json'
# The templates compiled (jinja2's bytecode cache), root's alone
TEMPLATE_CACHE = '/var/lib/mistral-charm/templates'

# Nagios checks (mistral_nrpe): where plugins go, our scripts, and the
# sudoers rule that lets nagios run the executions check as mistral (the
# one user that reads mistral.conf)
NAGIOS_PLUGINS = '/usr/local/lib/nagios/plugins'
EXECUTIONS_CHECK = 'check_mistral_executions.py'
FIXES_CHECK = 'check_mistral_fixes.py'
NRPE_SUDOERS = '/etc/sudoers.d/mistral-nrpe'

# hacluster's VIP group; also what is_elected_leader() asks about
CLUSTER_RES = 'grp_mistral_vips'

# Leader setting naming the database the leader has migrated
DB_INITIALISED_KEY = 'mistral-db-initialised'
# Leader setting: the schema revision the leader migrated the database to,
# which units whose code expects another one wait for
DB_SCHEMA_KEY = 'mistral-db-schema'
# Unit setting on the leader: why its last migration failed (status shows
# it until one succeeds)
DB_MIGRATION_FAILED_KEY = 'db-migration-failed'

# Mistral's maintenance mode (17.0.0 and later; the installed code says
# whether it is there): PUT {"status": "PAUSED"} on the API's root path
# pauses running executions (PAUSING, refused as a request) and turns
# PAUSED once no task runs; RUNNING resumes them. The leader drains before
# an upgrade (mistral_maintenance) and records it here until it ends it.
MAINTENANCE_CODE = 'mistral/api/controllers/maintenance.py'
MAINTENANCE_PATH = '/maintenance'
MAINTENANCE_KEY = 'mistral-maintenance'
# Seconds the leader waits for PAUSED. Its hook holds the machine's hook
# lock meanwhile: five minutes lets the tasks of ordinary actions (API
# calls, commands) finish; a longer one goes on running, and the upgrade
# with it, rather than blocking the upgrade for as long as a workflow
# likes.
DRAIN_TIMEOUT = 300
# Seconds an API just restarted on new code may take to answer
API_ANSWER_TIMEOUT = 60

# Generic name -> relations, any one of which satisfies it (status messages)
REQUIRED_INTERFACES = {
    'database': ['shared-db', 'pgsql-db'],
    'messaging': ['amqp'],
    'identity': ['identity-service'],
}

# The executors' SSH key (mistral_ssh): the leader setting that shares it,
# and its file in the mistral user's ~/.ssh, where std.ssh looks
SSH_PRIVATE_KEY_SETTING = 'ssh-private-key'
SSH_KEY_BITS = 3072
SSH_KEY_FILE = 'id_rsa'

# mistral-extra (openstack_actions): Mistral's OpenStack actions, which no
# distribution packages; from PyPI, the release made for each OpenStack
# release (openstack/releases, deliverables/<release>/mistral-extra.yaml)
MISTRAL_EXTRA_VERSIONS = {
    'yoga': '11.2.0', 'zed': '12.0.1', 'antelope': '13.0.0',
    'bobcat': '13.1.0', 'caracal': '13.2.0', 'dalmatian': '13.3.0',
    'epoxy': '15.0.0', 'flamingo': '15.1.0', 'gazpacho': '16.0.1',
    'hibiscus': '17.0.0',
}
# installed with --no-deps into a directory of its own, which a .pth file
# in /usr/local's site directory puts on the path of every python3
MISTRAL_EXTRA_DIR = '/usr/local/lib/mistral-extra'
MISTRAL_EXTRA_PTH = 'mistral-extra.pth'
# its dependencies from the distribution: pip (to install it) and the
# clients of the core services (the action namespaces of services whose
# client is missing are skipped by Mistral); the rest of what it imports
# (keystoneauth1, keystoneclient, mistral-lib, oslo.*) comes with Mistral
MISTRAL_EXTRA_PACKAGES = [
    'python3-pip', 'python3-keystoneclient', 'python3-novaclient',
    'python3-glanceclient', 'python3-neutronclient', 'python3-cinderclient',
    'python3-heatclient', 'python3-swiftclient',
]

# expire-executions (mistral_expiry): the script in files/actions that
# deletes through Mistral's own database code, the units its older-than
# parameter takes (minutes each), and the interpreter with Mistral on its path
EXPIRE_SCRIPT = 'expire_executions.py'
AGE_UNITS = {'m': 1, 'h': 60, 'd': 24 * 60, 'w': 7 * 24 * 60}
MISTRAL_PYTHON = '/usr/bin/python3'

"""Mistral's own Tempest API suite (mistral-tempest-plugin's api.v2 tests)
against a local-cloud deployment.

Tempest runs in Keystone's machine, of the deployment's Debian series,
from that release's packages `tempest` and `mistral-tempest-plugin` (a
plugin of another release tests another Mistral: false failures).  That
machine holds most of what Tempest needs already (Keystone's OpenStack
libraries): a fresh machine would install five times the packages.  Tempest
creates a project and users per test class (dynamic credentials) through
Keystone's public endpoint and reaches Mistral at the catalog's public one
(the plugin's client asks for no other).

    result = tempest_suite.run(deployment)
    result.summary()        # 'tempest <passed>/<applicable>'
    result.ratio            # (passed, applicable)
    result.failed           # {test id: the first lines of its failure}

Tests that cannot apply here are not run: EXCLUDED says which and why.
"""

import concurrent.futures
import dataclasses
import re
import shlex

import mistral_cloud as cloud
from localcloud.machines import get_provider, images

SUITE = r'^mistral_tempest_tests\.tests\.api\.v2\.'
_ACTION_EXECUTIONS = SUITE + r'test_action_executions\.ActionExecutionTestsV2\.'
_WORKFLOWS = SUITE + r'test_workflows\.WorkflowTestsV2\.'
_OFFLINE = ('std.http to {}: the machines reach no host on the internet '
            '(only the Debian archive)')
# test id regex (re.search, as stestr's exclude list reads it): why the test
# is not run (it cannot apply in the local cloud, or newer plugins skip it)
EXCLUDED = {
    _ACTION_EXECUTIONS + r'test_run_action_std_http\[':
        _OFFLINE.format('http://wiki.openstack.org'),
    _ACTION_EXECUTIONS + r'test_run_action_std_http_error\[':
        _OFFLINE.format('http://www.google.ru/not-found-test'),
    _ACTION_EXECUTIONS + r'test_run_action_std_http_non_utf8_response\[':
        _OFFLINE.format('https://httpbin.org (httpbingo.org from 2.8.0 on)'),
    _WORKFLOWS + r'test_delete_wf_with_trigger_associate_in_other_tenant\[':
        'the plugin skips it itself from 2.10.0 (forky) on, for Mistral bug '
        'LP #2147178 (2.6.0 runs it, and gets 403 Forbidden)',
}
# the charm's options as Mistral's gate runs the suite (both off by
# default): mistral-extra's preinstalled workflows (std.create_instance,
# which test_get_list_workflows* list), deleting action executions
SUITE_CONFIG = {'openstack-actions': 'true',
                'allow-action-execution-deletion': 'true'}
CONCURRENCY = 2          # the machines have 2 cores
TIME_LIMIT = 2400        # seconds for the whole run
TIMED_OUT = (124, 137)   # timeout(1)'s exit codes: TERM, then KILL
PACKAGES = ('tempest', 'mistral-tempest-plugin')
PLUGIN = 'mistral-tempest-plugin'
WORKSPACE = '/root/tempest'
LOG_DIR = WORKSPACE + '/logs'         # tempest.log
LOCK_DIR = WORKSPACE + '/lock'
CONF = WORKSPACE + '/etc/tempest.conf'
CA = WORKSPACE + '/etc/ca.pem'
EXCLUDE_LIST = WORKSPACE + '/etc/exclude-list.txt'
SUBUNIT = WORKSPACE + '/results.subunit'
SUBUNIT_V1 = WORKSPACE + '/results.v1'
TEMPEST_DIR = '/usr/lib/python3/dist-packages/tempest'
STESTR_CONF = ('[DEFAULT]\ntest_path={0}/test_discover\ntop_dir={0}\n'
               'group_regex=([^\\.]*\\.)*\n').format(TEMPEST_DIR)

# The plugin reads its workflow definitions from tests/resources, which
# Debian's 2.6.0-1 (trixie) does not ship (pbr built it without git; Debian
# installs them from 2.8.0-3 on).  Where they are missing they are taken
# from DONOR_SUITE's package, used only when the files are byte for byte
# those of the installed upstream release: RESOURCES_SHA256[version] is
# DIGEST_COMMAND's output on that release's tests/resources.
RESOURCES = '/usr/lib/python3/dist-packages/mistral_tempest_tests/tests/resources'
DONOR_SUITE = 'forky'
DONOR_DIR = '/var/lib/localcloud-tempest-donor'
RESOURCES_SHA256 = {
    '2.6.0': 'e69605f4e429b76bb5279a73b357ecac2d9d9adaad1b76d39a49ce57e720133b',
}
DIGEST_COMMAND = ("cd {} && find . -type f -print0 | LC_ALL=C sort -z | "
                  "xargs -0 sha256sum | sha256sum | cut -d' ' -f1")

KEYSTONE_UNIT = 'keystone/0'
KEYSTONE_LOG = '/var/log/keystone/keystone.log'   # uWSGI's and Keystone's
# what in that log tells why Keystone dropped or failed a request
KEYSTONE_TROUBLE = re.compile(
    r'DAMN|killed by signal|Respawned|harakiri|listen queue|database is '
    r'locked|Traceback| ERROR |HTTP/1\.1 5\d\d')
MAX_REASON_LINES = 3
MAX_KEYSTONE_LINES = 40
FIXTURE = re.compile(r'^(setUpClass|tearDownClass) \((.+)\)$')


class TempestError(Exception):
    pass


@dataclasses.dataclass
class Result:
    passed: list            # test ids
    failed: dict            # test id: first lines of its failure
    skipped: dict           # test id: skip reason
    excluded: dict          # test id: why it cannot apply here (not run)
    errors: dict            # class fixture (setUpClass, ...): its failure
    workspace: str = ''     # where the run's files and tempest.log are
    keystone: list = dataclasses.field(default_factory=list)  # log lines

    @property
    def applicable(self):
        """The tests that apply: the listed ones less those excluded here
        and those the suite skips itself (upstream's skip decorators)."""
        return len(self.passed) + len(self.failed)

    @property
    def ratio(self):
        """(passed, applicable): the RELEASE line's tempest figures."""
        return len(self.passed), self.applicable

    def summary(self):
        return 'tempest {}/{}'.format(*self.ratio)

    def trouble(self):
        """What went wrong (an assertion's message); None when every
        applicable test passed or was skipped by the suite itself."""
        if not (self.failed or self.errors):
            return None
        return {'failed': self.failed, 'errors': self.errors,
                'workspace': self.workspace, 'keystone': self.keystone}


def configure():
    """Mistral's options as the suite expects them (SUITE_CONFIG); no hook
    runs where they are set already."""
    cloud.localjuju('config', 'mistral', *(
        '{}={}'.format(*option) for option in SUITE_CONFIG.items()))


def run(deployment, time_limit=TIME_LIMIT, reset=True):
    """Run the suite against `deployment` (conftest's fixture), configured
    as the suite expects for the run (SUITE_CONFIG), then reset to the
    defaults unless `reset` is false (the deployment's last use); a
    Result."""
    machine_id = cloud.machine_of(KEYSTONE_UNIT)
    machine = get_provider().get(machine_id)
    before = keystone_log_length()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        # the machine installs while the units take the suite's config
        prepared = pool.submit(prepare, machine, deployment)
        configure()
        try:
            cloud.wait(workload='active')
            listed = prepared.result()
            done = run_tests(machine, time_limit)
        finally:
            if reset:
                cloud.localjuju('config', 'mistral', '--reset',
                                ','.join(SUITE_CONFIG))
                cloud.wait(workload='active')
    results = parse_subunit_v1(machine.read_file(SUBUNIT_V1))
    if done.returncode not in (0, 1) + TIMED_OUT or not results:
        raise TempestError('tempest run failed ({}):\n{}'.format(
            done.returncode, done.stderr[-3000:]))
    result = summarise(listed, results, 'the run hit its time limit ({} s)'
                       .format(time_limit) if done.returncode in TIMED_OUT
                       else 'no result')
    result.workspace = 'machine {}: {}'.format(machine_id, WORKSPACE)
    if result.failed or result.errors:
        result.keystone = keystone_trouble(before)
    return result


# --------------------------------------------------------------------------
# the machine


def check(machine, argv, what, timeout=900):
    """Run argv in the machine; its stdout, or TempestError saying `what`
    failed."""
    done = machine.run(argv, timeout=timeout)
    if done.returncode:
        raise TempestError('{} failed ({}):\n{}{}'.format(
            what, done.returncode, done.stdout[-3000:], done.stderr[-3000:]))
    return done.stdout


def apt_get(machine, *args, what):
    check(machine, ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q',
                    *args], what, timeout=1800)


def install(machine):
    """Tempest and the plugin from the machine's own Debian release (through
    its apt proxy), with the plugin's resources."""
    apt_get(machine, 'update', what='apt-get update')
    apt_get(machine, 'install', '-y', '--no-install-recommends', *PACKAGES,
            what='installing ' + ' '.join(PACKAGES))
    if machine.run(['test', '-d', RESOURCES]).returncode:
        supply_resources(machine)


def upstream_version(debian_version):
    """'2.6.0' of '2.6.0-1' (or of '1:2.6.0-1')."""
    return debian_version.split(':', 1)[-1].rsplit('-', 1)[0]


def supply_resources(machine):
    """Copy the plugin's missing tests/resources from DONOR_SUITE's package,
    if they are the installed release's own."""
    version = upstream_version(check(
        machine, ['dpkg-query', '-W', '-f=${Version}', PLUGIN],
        'reading the version of ' + PLUGIN))
    wanted = RESOURCES_SHA256.get(version)
    if not wanted:
        raise TempestError('{} {} ships no tests/resources and no digest of '
                           'its own is known'.format(PLUGIN, version))
    donated = DONOR_DIR + '/root' + RESOURCES
    check(machine, ['sh', '-ec', donor_script(images.load_recipe())],
          'fetching {} from {}'.format(PLUGIN, DONOR_SUITE))
    got = check(machine, ['sh', '-c', DIGEST_COMMAND.format(donated)],
                'digest of the donated resources').strip()
    if got != wanted:
        raise TempestError('the resources of {} in {} are not those of {} '
                           '(sha256 {}, not {})'.format(
                               PLUGIN, DONOR_SUITE, version, got, wanted))
    check(machine, ['cp', '-r', donated, RESOURCES], 'copying the resources')


def donor_script(recipe):
    """Shell: DONOR_SUITE's plugin package unpacked under DONOR_DIR/root, by
    an apt of its own (its own sources, lists and cache: the machine's apt
    is left as it was)."""
    opts = ' '.join('-o {}={}'.format(key, DONOR_DIR + path) for key, path in (
        ('Dir::Etc::SourceList', '/sources.list'),
        ('Dir::Etc::SourceParts', '/sources.list.d'),
        ('Dir::State::Lists', '/lists'), ('Dir::Cache', '/cache')))
    if DONOR_SUITE in recipe.get('stale_ok', []):
        opts += ' -o Acquire::Check-Valid-Until=false'
    return '\n'.join([
        'rm -rf {d} && mkdir -p {d}/sources.list.d {d}/lists/partial '
        '{d}/cache/archives/partial && cd {d}',
        'echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]'
        ' {mirror} {suite} main" > sources.list',
        'apt-get -q {opts} update',
        'apt-get -q {opts} download {plugin}',
        'dpkg-deb -x {plugin}_*.deb root']).format(
            d=DONOR_DIR, mirror=recipe['mirror'], suite=DONOR_SUITE, opts=opts,
            plugin=PLUGIN)


# --------------------------------------------------------------------------
# the workspace


def tempest_conf(env, admin_role, cafile):
    """tempest.conf's text for the cloud of `env` (cloud.openrc()), whose
    admin role is `admin_role`; `cafile`: the CA's path in the machine, or
    None over http."""
    sections = {
        'DEFAULT': {'log_dir': LOG_DIR, 'log_file': 'tempest.log'},
        'oslo_concurrency': {'lock_path': LOCK_DIR},
        'auth': {
            # a project and users per test class, made and removed by Tempest
            'use_dynamic_credentials': True,
            'create_isolated_networks': False,
            'admin_username': env['OS_USERNAME'],
            'admin_password': env['OS_PASSWORD'],
            'admin_project_name': env['OS_PROJECT_NAME'],
            'admin_domain_name': env['OS_USER_DOMAIN_NAME'],
            'admin_user_domain_name': env['OS_USER_DOMAIN_NAME'],
            'admin_project_domain_name': env['OS_PROJECT_DOMAIN_NAME'],
        },
        'identity': dict({
            'uri_v3': env['OS_AUTH_URL'],
            'auth_version': 'v3',
            'region': env['OS_REGION_NAME'],
            'v3_endpoint_type': 'public',
            # Tempest gives its admin users this role, by its exact name
            'admin_role': admin_role,
        }, **({'ca_certificates_file': cafile} if cafile else {})),
        'identity-feature-enabled': {'api_v2': False, 'api_v3': True},
        'service_available': dict(
            dict.fromkeys(('cinder', 'glance', 'heat', 'horizon', 'neutron',
                           'nova', 'swift'), False), mistral=True),
        # the plugin's own option: Mistral's services API needs a
        # coordination backend, which the charm does not configure
        'mistral_api': {'service_api_supported': False},
    }
    return ''.join('[{}]\n{}\n'.format(name, ''.join(
        '{} = {}\n'.format(key, value) for key, value in options.items()))
        for name, options in sections.items())


def exclude_list():
    """stestr's exclude list: a regex per line, the reason after '#'."""
    return ''.join('{}  # {}\n'.format(regex, reason)
                   for regex, reason in EXCLUDED.items())


def prepare(machine, deployment):
    """The machine ready to run the suite against `deployment`; the ids of
    the tests it will run."""
    install(machine)
    write_workspace(machine, deployment)
    return list_tests(machine)


def write_workspace(machine, deployment):
    """A fresh workspace: config, the deployment's CA, the exclude list."""
    check(machine, ['sh', '-c', 'rm -rf {} && mkdir -p {} {}'.format(
        WORKSPACE, LOG_DIR, LOCK_DIR)], 'clearing ' + WORKSPACE)
    cafile = deployment['cafile']
    if cafile:
        with open(cafile) as f:
            machine.write_file(CA, f.read())
    admin_role = cloud.localjuju('config', 'keystone', 'admin-role').strip()
    machine.write_file(CONF, tempest_conf(deployment['env'], admin_role,
                                          CA if cafile else None))
    machine.write_file(EXCLUDE_LIST, exclude_list())
    # what `tempest init` would write, without its registry of workspaces
    # (which refuses a name twice)
    machine.write_file(WORKSPACE + '/.stestr.conf', STESTR_CONF)
    check(machine, ['sh', '-c', 'cd {} && stestr init'.format(WORKSPACE)],
          'creating the results repository')


# --------------------------------------------------------------------------
# the run


def tempest(*args):
    return ' '.join(['tempest', 'run', '--config-file', CONF, '--regex',
                     shlex.quote(SUITE)] + list(args))


def list_tests(machine):
    """The ids of the suite's tests (without the exclusions)."""
    out = check(machine, ['sh', '-c', 'cd {} && {}'.format(
        WORKSPACE, tempest('--list-tests'))], 'listing the tests', 600)
    return [line.strip() for line in out.splitlines()
            if re.match(SUITE, line.strip())]


def run_tests(machine, time_limit):
    """Run the suite (its subunit stream to SUBUNIT, as v1 text to
    SUBUNIT_V1); the finished process (exit code 1: a test failed)."""
    script = ('cd {ws} && timeout -k 30 {limit} {run} > {v2}; rc=$?; '
              'subunit-2to1 < {v2} > {v1}; exit $rc').format(
                  ws=WORKSPACE, limit=time_limit, v2=SUBUNIT, v1=SUBUNIT_V1,
                  run=tempest('--exclude-list', EXCLUDE_LIST, '--concurrency',
                              str(CONCURRENCY), '--subunit'))
    return machine.run(['sh', '-c', script], timeout=time_limit + 120)


_STATUS = re.compile(rb'^(success|successful|failure|error|skip|xfail|'
                     rb'uxsuccess): (.+?)( \[ multipart)?$')


def parse_subunit_v1(data):
    """{test id: (status, {detail name: text})} from subunit-2to1's output
    (bytes); details are multipart, each part's content chunked (hex size,
    CRLF, bytes; size 0 ends it)."""
    results, pos = {}, 0
    while pos < len(data):
        end = data.find(b'\n', pos)
        end = len(data) if end < 0 else end
        found = _STATUS.match(data[pos:end])
        pos = end + 1
        if not found:
            continue
        details = {}
        if found.group(3):
            pos = _read_parts(data, pos, details)
        results[found.group(2).decode()] = (found.group(1).decode(), details)
    return results


def _read_parts(data, pos, details):
    """Read the parts up to the closing ']' line; the position after it."""
    while pos < len(data) and not data.startswith(b']', pos):
        _, pos = _line(data, pos)                  # Content-Type: ...
        name, pos = _line(data, pos)
        content = []
        while True:
            size, pos = _chunk_size(data, pos)
            if not size:
                break
            content.append(data[pos:pos + size])
            pos += size
        details[name.decode()] = b''.join(content).decode(errors='replace')
    return _line(data, pos)[1]


def _line(data, pos):
    end = data.find(b'\n', pos)
    end = len(data) if end < 0 else end
    return data[pos:end], end + 1


def _chunk_size(data, pos):
    end = data.find(b'\r\n', pos)
    if end < 0:
        return 0, len(data)
    return int(data[pos:end], 16), end + 2


# --------------------------------------------------------------------------
# the result


def reason(details):
    """The first lines of why a test failed or was skipped: of a traceback,
    its last exception (what follows the last frame's indented lines)."""
    text = details.get('traceback') or details.get('reason') or ''
    lines = text.strip().splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith('  File ')]
    if frames:
        lines = lines[frames[-1] + 1:]
        while lines and lines[0].startswith('    '):
            lines.pop(0)
    return '\n'.join(lines[:MAX_REASON_LINES])


def summarise(listed, results, missing_reason):
    """A Result from the listed test ids and parse_subunit_v1()'s results;
    a test with no result failed for its class's set-up failure if any,
    else for `missing_reason`."""
    errors = {}
    for name, (status, details) in results.items():
        if FIXTURE.match(name) and status not in ('success', 'successful'):
            errors[name] = reason(details)
    excluded, passed, failed, skipped = {}, [], {}, {}
    tests = listed + [name for name in results
                      if name not in listed and not FIXTURE.match(name)]
    for test in tests:
        why_not = [why for regex, why in EXCLUDED.items()
                   if re.search(regex, test)]
        status, details = results.get(test, (None, {}))
        if why_not:
            excluded[test] = why_not[0]
        elif status in ('success', 'successful', 'xfail'):
            passed.append(test)
        elif status == 'skip':
            skipped[test] = reason(details)
        elif status:
            failed[test] = reason(details)
        else:
            failed[test] = errors.get('setUpClass ({})'.format(
                class_of(test)), missing_reason)
    return Result(passed, failed, skipped, excluded, errors)


def class_of(test_id):
    """'pkg.module.Class' of 'pkg.module.Class.test_x[id-...]'."""
    return test_id.split('[', 1)[0].rsplit('.', 1)[0]


# --------------------------------------------------------------------------
# Keystone's side


def keystone_log_length():
    """Lines in Keystone's log now (0 when there is none)."""
    return int(cloud.on_unit(KEYSTONE_UNIT, 'sh', '-c', 'cat {} 2>/dev/null '
                             '| wc -l'.format(KEYSTONE_LOG)))


def keystone_trouble(since):
    """The lines of Keystone's log after line `since` that say why it
    dropped or failed a request."""
    text = cloud.on_unit(KEYSTONE_UNIT, 'sh', '-c', 'tail -n +{} {} 2>/dev/null'
                         .format(since + 1, KEYSTONE_LOG))
    return [line for line in text.splitlines()
            if KEYSTONE_TROUBLE.search(line)][-MAX_KEYSTONE_LINES:]

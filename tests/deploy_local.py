#!/usr/bin/python3
"""`make deploy-local`: Mistral in the local cloud, and a workflow run on it.

Packs the charm and deploys tests/bundles/mistral.yaml (which takes the
.charm; TLS on: the vault stand-in issues the certificates, Keystone and
Mistral's API are https) unless the model already holds it, waits for every
unit to be active, writes an openrc for the stock `mistral` client
(OS_CACERT: the CA the host verifies both with), runs a workflow under
Keystone auth over https and prints the status table and the workflow's
result. SERIES=bookworm deploys Debian 12 instead of 13, SERIES=forky
Debian forky (Mistral 23).
"""

import json
import os
import shlex
import sys

import mistral_cloud as cloud

OPENRC = '/root/mistral-openrc'


def main():
    series = os.environ.get('SERIES', 'trixie')
    if 'mistral' not in cloud.status()['applications']:
        cloud.build_charm()
        print('Deploying the bundle on {} (the first run builds a base image '
              'and installs packages: a few minutes)'.format(series), flush=True)
        cloud.localjuju('deploy', cloud.BUNDLE, '--series', series,
                        timeout=3600)
    cloud.wait(workload='active')
    cafile = cloud.fetch_ca()
    env = cloud.openrc(cloud.unit_address('keystone/0'), cafile)
    with open(OPENRC, 'w') as f:
        f.write('# Admin credentials for the local cloud\'s Keystone\n')
        for key, value in sorted(env.items()):
            f.write('export {}={}\n'.format(key, shlex.quote(value)))
    client = cloud.mistral(env)
    cloud.ensure_workflow(client, 'fanout_join.yaml')
    execution = cloud.run_workflow(client, 'fanout_join',
                                   {'msg': 'from the local cloud'})
    print(cloud.localjuju('status'))
    print('Workflow fanout_join, execution {}: {} (through {}, {})'.format(
        execution.id, execution.state,
        cloud.catalog_endpoints(env, cloud.SERVICE_TYPE)['public'],
        'certificate verified with ' + cafile if cafile else 'plain http'))
    print(json.dumps(json.loads(execution.output), indent=2))
    print('\nThe stock client works with: . {} && mistral workflow-list'
          .format(OPENRC))
    return 0 if execution.state == 'SUCCESS' else 1


if __name__ == '__main__':
    sys.exit(main())

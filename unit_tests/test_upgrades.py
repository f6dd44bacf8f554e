"""Upgrades, series upgrades, stop and upgrade-charm: what each keeps
(the database, its record), migrates (once, on the leader) and in which
order the units move (the others wait for the leader's schema)."""

import os
from unittest import mock

from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

import mistral_schema
import mistral_utils
from mistral_constants import PACKAGES

KEY = 'mistral-db-initialised'
SCHEMA = 'mistral-db-schema'
MYSQL = 'mysql+pymysql/mistral'
MIGRATION = [['upgrade', 'head'], ['populate']]


class UpgradeCase(HookTestCase):

    def install_migrations(self, head):
        """The installed Mistral's alembic scripts, 001 up to `head`."""
        versions = os.path.join(mistral_utils.mistral_patches.TARGET_DIR,
                                mistral_schema.VERSIONS)
        os.makedirs(versions, exist_ok=True)
        for n in range(1, int(head) + 1):
            with open(os.path.join(versions, '{:03d}_x.py'.format(n)),
                      'w') as f:
                f.write("revision = '{:03d}'\ndown_revision = {}\n".format(
                    n, "'{:03d}'".format(n - 1) if n > 1 else 'None'))

    def database_settings(self):
        """The leader settings about the database (not the SSH key)."""
        return {k: v for k, v in self.juju.leader_settings.items()
                if k in (KEY, SCHEMA)}

    def migrations(self):
        return [c[3:] for c in self.machine.commands
                if c[0] == 'mistral-db-manage']

    def new_origin(self):
        self.move_origin()


class TestDatabaseIdentity(UpgradeCase):

    def test_a_new_db_host_keeps_mistral_running_and_migrates_nothing(self):
        self.deploy_ready()
        self.juju.remote_set('shared-db:1', 'mysql/0', db_host='10.0.0.30')
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        self.assertIn('@10.0.0.30/mistral', self.mistral_conf())
        self.assertEqual(self.migrations(), [])
        self.assertNotIn('stop', [a for a, _ in self.machine.events])
        self.assertEqual(self.juju.leader_settings[KEY], MYSQL)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_non_leader_keeps_running_when_the_host_changes(self):
        self.juju.leader_settings[KEY] = MYSQL
        self.deploy_non_leader()
        self.juju.remote_set('shared-db:1', 'mysql/0', db_host='10.0.0.30')
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_upgrade_charm_keeps_an_older_charms_record_migrating_nothing(
            self):
        self.install_migrations('003')
        self.deploy_ready()
        self.juju.leader_settings.clear()
        self.juju.leader_settings[KEY] = 'mysql+pymysql://10.0.0.20/mistral'
        self.machine.commands.clear()
        self.run_hook('upgrade-charm')
        self.assertEqual(self.migrations(), [])
        self.assertEqual(self.machine.restarts(), [])
        self.assertEqual(self.database_settings(), {KEY: MYSQL, SCHEMA: '003'})
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_upgrade_charm_renders_again_and_restarts_what_changed(self):
        self.deploy_ready()
        self.stale_api_drop_in()
        self.run_hook('upgrade-charm')
        self.assertEqual(self.machine.restarts(), ['mistral-api'])
        self.assertEqual(self.migrations(), [])

    def test_upgrade_charm_sends_relation_data_again(self):
        # a new charm may send more, or differently
        self.deploy_ready()
        self.juju.local_data('amqp:3').clear()
        self.run_hook('upgrade-charm')
        self.assertEqual(self.juju.local_data('amqp:3')['username'],
                         'mistral')


class TestOrderedUpgrade(UpgradeCase):

    def test_a_database_that_goes_takes_its_schema_revision_along(self):
        self.install_migrations('003')
        self.deploy_ready()
        self.juju.relations['shared-db:1']['units'].clear()
        self.run_hook('shared-db-relation-broken', 'shared-db:1')
        self.assertEqual(self.database_settings(), {})

    def test_the_leader_publishes_the_schema_it_migrated_to(self):
        self.install_migrations('003')
        self.deploy_ready()
        self.assertEqual(self.juju.leader_settings[SCHEMA], '003')

    def test_a_non_leader_on_new_code_waits_for_the_leaders_schema(self):
        self.install_migrations('003')
        self.juju.leader_settings.update({KEY: MYSQL, SCHEMA: '002'})
        self.deploy_non_leader()
        self.assertEqual(self.migrations(), [])
        self.assertFalse(set(MISTRAL) & self.machine.running)
        self.assertEqual(self.juju.status, (
            'waiting', 'Waiting for the leader to migrate the database to '
            'schema 003 (now 002)'))
        self.juju.leader_settings[SCHEMA] = '003'
        self.run_hook('leader-settings-changed')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_non_leader_upgraded_first_stops_until_the_leader_migrates(
            self):
        self.install_migrations('002')
        self.juju.leader_settings.update({KEY: MYSQL, SCHEMA: '002'})
        self.deploy_non_leader()
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.new_origin()
        self.upgrade_available = True
        self.install_migrations('003')  # what the new packages bring
        self.run_hook('config-changed')
        self.assertEqual(self.migrations(), [])
        self.assertFalse(set(MISTRAL) & self.machine.running)
        self.assertEqual(self.juju.status[0], 'waiting')

    def test_a_leader_on_code_beyond_the_schema_migrates_at_its_next_hook(
            self):
        self.install_migrations('002')
        self.deploy_ready()
        self.install_migrations('003')  # packages upgraded outside the charm
        self.run_hook('leader-elected')
        self.assertEqual(self.migrations(), MIGRATION)
        self.assertEqual(self.juju.leader_settings[SCHEMA], '003')
        self.assertTrue(set(MISTRAL) <= self.machine.running)

    def test_a_leader_on_older_code_leaves_a_newer_schema_alone(self):
        self.install_migrations('002')
        self.juju.leader_settings.update({KEY: MYSQL, SCHEMA: '004'})
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('config-changed')
        self.assertEqual(self.migrations(), [])
        self.assertFalse(set(MISTRAL) & self.machine.running)
        self.assertEqual(self.juju.status, (
            'blocked', "Database schema 004 is newer than this unit's "
            'Mistral (002): upgrade it'))

    def test_a_config_driven_upgrade_migrates_once_and_publishes(self):
        self.install_migrations('002')
        self.deploy_ready()
        self.new_origin()
        self.upgrade_available = True
        self.install_migrations('003')
        self.run_hook('config-changed')
        self.upgrade_available = False
        self.run_hook('config-changed')
        self.assertEqual(self.migrations(), MIGRATION)
        self.assertEqual(self.juju.leader_settings[SCHEMA], '003')
        self.apt.assert_called_once_with(
            PACKAGES, options=mistral_utils.APT_OPTIONS,
            fatal=True)


class TestSeriesUpgrade(UpgradeCase):

    def test_pre_series_upgrade_pauses_post_upgrades_migrates_resumes(self):
        self.install_migrations('002')
        self.deploy_ready()
        self.run_hook('pre-series-upgrade')
        self.assertEqual(self.machine.running, set())
        self.run_hook('config-changed')  # still down meanwhile
        self.assertEqual(self.machine.running, set())
        self.new_origin()
        self.install_migrations('003')  # the new series' Mistral
        fixes = mock.Mock(return_value=(['admin-role-any-case'], []))
        self.patch(mistral_utils.mistral_patches, 'apply_fixes', fixes)
        self.run_hook('post-series-upgrade')
        self.apt.assert_called_once_with(
            PACKAGES, options=mistral_utils.APT_OPTIONS,
            fatal=True)
        fixes.assert_called_once_with(log=mock.ANY)
        self.assertEqual(self.migrations(), MIGRATION)
        self.assertEqual(self.juju.leader_settings[SCHEMA], '003')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))


class TestStop(UpgradeCase):

    def test_stop_stops_mistral(self):
        self.deploy_ready()
        self.run_hook('stop')
        self.assertFalse(set(MISTRAL) & self.machine.running)

from tests.fleet.fleetapp.pool import migration

Migration = migration(11, __name__)

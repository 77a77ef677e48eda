from tests.fleet.fleetapp.pool import migration

Migration = migration(23, __name__)

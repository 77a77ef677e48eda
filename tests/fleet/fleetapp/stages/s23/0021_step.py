from tests.fleet.fleetapp.pool import migration

Migration = migration(21, __name__)

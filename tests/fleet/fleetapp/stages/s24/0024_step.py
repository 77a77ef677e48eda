from tests.fleet.fleetapp.pool import migration

Migration = migration(24, __name__)

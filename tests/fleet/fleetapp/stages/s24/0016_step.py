from tests.fleet.fleetapp.pool import migration

Migration = migration(16, __name__)

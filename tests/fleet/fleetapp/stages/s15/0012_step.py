from tests.fleet.fleetapp.pool import migration

Migration = migration(12, __name__)

from tests.fleet.fleetapp.pool import migration

Migration = migration(8, __name__)

from tests.fleet.fleetapp.pool import migration

Migration = migration(10, __name__)

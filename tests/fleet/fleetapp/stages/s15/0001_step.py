from tests.fleet.fleetapp.pool import migration

Migration = migration(1, __name__)

from tests.fleet.fleetapp.pool import migration

Migration = migration(2, __name__)

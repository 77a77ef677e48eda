from tests.fleet.fleetapp.pool import migration

Migration = migration(9, __name__)

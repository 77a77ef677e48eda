from tests.fleet.fleetapp.pool import migration

Migration = migration(4, __name__)

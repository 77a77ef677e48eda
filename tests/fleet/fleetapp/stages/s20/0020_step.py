from tests.fleet.fleetapp.pool import migration

Migration = migration(20, __name__)

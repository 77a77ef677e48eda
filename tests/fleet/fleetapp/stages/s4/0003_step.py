from tests.fleet.fleetapp.pool import migration

Migration = migration(3, __name__)

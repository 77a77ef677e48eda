from tests.fleet.fleetapp.pool import migration

Migration = migration(5, __name__)

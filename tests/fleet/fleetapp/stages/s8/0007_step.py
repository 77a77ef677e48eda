from tests.fleet.fleetapp.pool import migration

Migration = migration(7, __name__)

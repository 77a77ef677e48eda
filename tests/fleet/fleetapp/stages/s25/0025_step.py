from tests.fleet.fleetapp.pool import migration

Migration = migration(25, __name__)

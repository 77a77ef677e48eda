from tests.fleet.fleetapp.pool import migration

Migration = migration(17, __name__)

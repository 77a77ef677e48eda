from tests.fleet.fleetapp.pool import migration

Migration = migration(15, __name__)

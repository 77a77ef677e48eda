from tests.fleet.fleetapp.pool import migration

Migration = migration(6, __name__)

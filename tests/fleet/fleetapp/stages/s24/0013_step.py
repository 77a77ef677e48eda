from tests.fleet.fleetapp.pool import migration

Migration = migration(13, __name__)

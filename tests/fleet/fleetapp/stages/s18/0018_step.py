from tests.fleet.fleetapp.pool import migration

Migration = migration(18, __name__)

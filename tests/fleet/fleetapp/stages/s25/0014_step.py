from tests.fleet.fleetapp.pool import migration

Migration = migration(14, __name__)

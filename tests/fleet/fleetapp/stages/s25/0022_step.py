from tests.fleet.fleetapp.pool import migration

Migration = migration(22, __name__)

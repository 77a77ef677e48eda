from tests.fleet.fleetapp.pool import migration

Migration = migration(19, __name__)

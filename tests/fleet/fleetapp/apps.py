from django.apps import AppConfig


class FleetAppConfig(AppConfig):
    name = "tests.fleet.fleetapp"
    label = "fleetapp"
    default_auto_field = "django.db.models.BigAutoField"

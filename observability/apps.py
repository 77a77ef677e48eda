from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"
    verbose_name = "Observability"

    def ready(self):
        from django.db.backends.signals import connection_created

        from observability import celery_signals, dbtime

        connection_created.connect(dbtime.connection_created, dispatch_uid="tenantry-obs-dbtime")
        celery_signals.connect()  # a no-op where celery is not installed

from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"
    verbose_name = "Observability"

    def ready(self):
        from observability import celery_signals

        celery_signals.connect()  # a no-op where celery is not installed

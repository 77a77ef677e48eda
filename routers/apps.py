from django.apps import AppConfig


class RoutersConfig(AppConfig):
    """No models: installed so that the router's configuration checks are registered."""

    name = "routers"
    verbose_name = "Database routing"

    def ready(self):
        from routers import checks  # noqa: F401  (registers them)

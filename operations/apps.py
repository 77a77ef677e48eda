from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """A shared app: its table is in the primary's ``public`` schema."""

    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        from operations import kinds, services
        from tenancy import tasks

        # A message the broker refused becomes a durable row that the sweeper sends again.
        tasks.register_undelivered_store(services.undelivered_task_keep)
        kinds.register_builtin()

from django.apps import AppConfig


class CareersConfig(AppConfig):
    name = "careers"
    verbose_name = "Careers"

    def ready(self):
        from django.db.models.signals import post_delete

        from careers.models import Application
        from careers.receivers import application_deleted

        post_delete.connect(application_deleted, sender=Application,
                            dispatch_uid="careers.application_cv_deleted")

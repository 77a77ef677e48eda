"""The "recruiter" group in every tenant schema: manages jobs and applications, not staff users."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECRUITER_GROUP = "recruiter"
RECRUITER_PERMISSIONS = {
    "job": ("add", "change", "delete", "view"),
    "application": ("change", "delete", "view"),
    "applicationstatuschange": ("view",),
    "interviewfeedback": ("add", "change", "delete", "view"),
    "notificationpreference": ("add", "change", "view"),
}


def recruiter_group_create(apps, schema_editor):
    alias = schema_editor.connection.alias
    # Permissions are normally created after the last migration; this one needs them now.
    careers = apps.get_app_config("careers")
    careers.models_module = True
    create_permissions(careers, verbosity=0, interactive=False, using=alias, apps=apps)
    careers.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in RECRUITER_PERMISSIONS.items()
                 for action in actions]
    permissions = Permission.objects.using(alias).filter(
        content_type__app_label="careers", codename__in=codenames
    )
    if len(permissions) != len(codenames):  # fail loud rather than grant less than documented
        raise RuntimeError(f"recruiter permissions missing: {sorted(set(codenames) - {p.codename for p in permissions})}")
    group, _ = Group.objects.using(alias).get_or_create(name=RECRUITER_GROUP)
    group.permissions.set(permissions)


def recruiter_group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name=RECRUITER_GROUP
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("careers", "0002_applications"),
    ]

    operations = [migrations.RunPython(recruiter_group_create, recruiter_group_delete)]

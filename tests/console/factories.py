"""Platform users: they live in ``public``, apart from every organization's users."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

PASSWORD = "correct horse battery staple"


class PlatformUserFactory(factory.django.DjangoModelFactory):
    """A platform admin by default; ``PlatformUserFactory(is_superuser=False, perms=[...])`` for less."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"operator{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@tenantry.example")
    is_staff = True
    is_superuser = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def perms(user, create, codenames, **kwargs):
        if codenames:
            user.user_permissions.set(Permission.objects.filter(
                content_type__app_label="tenants", codename__in=codenames))
        user.save()

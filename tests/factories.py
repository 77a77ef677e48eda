"""Users for tests. Create them inside the scope they belong to: ``public`` for platform admins,
``in_tenant(...)`` for an organization's staff; the rows go to that schema."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user who signs in with ``PASSWORD``; ``is_superuser=True`` or ``perms=[codename, ...]``
    for what they may do."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}@example.com")
    email = factory.LazyAttribute(lambda user: user.username if "@" in user.username
                                  else f"{user.username}@example.com")
    is_staff = True
    is_superuser = False
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def perms(user, create, codenames, **kwargs):
        if codenames:
            user.user_permissions.set(Permission.objects.filter(codename__in=codenames))

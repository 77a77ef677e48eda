"""Staff users for audit and placement tests; create them inside the scope they belong to."""

import factory
from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-staple"


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff admin who can sign in at /admin/ with ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}@example.com")
    email = factory.SelfAttribute("username")
    is_staff = True
    is_superuser = True
    password = factory.django.Password(PASSWORD)

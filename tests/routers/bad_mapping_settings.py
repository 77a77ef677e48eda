"""``settings.test`` with the audit app mapped to an alias that does not exist."""

from settings.test import *  # noqa: F403

DATABASE_APPS_MAPPING = {"audit": "nowhere"}

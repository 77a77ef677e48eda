"""A session that was deleted (sign-out) or rotated (sign-in) is never accepted again, whatever
Redis did meanwhile: a real redis-server of our own, frozen with SIGSTOP and thawed with SIGCONT."""

import os
import signal

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.careers.factories import JobFactory
from tests.factories import PASSWORD, UserFactory
from tests.servers import RedisServer
from tests.servers import free_port

pytestmark = pytest.mark.django_db(databases=["default", "audit"])
APPLICATION = {"name": "Casey", "email": "casey@example.com", "cv_url": "https://cv.example.com/c",
               "cover_letter": "I would very much like to work with you."}


@pytest.fixture
def frozen_redis(settings, tmp_path):
    """Our own Redis as the cache; ``with frozen_redis():`` holds it stopped (a hang, not a crash)."""
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "LOCATION": f"redis://127.0.0.1:{server.port}/0"}}

    class Freeze:
        def __enter__(self):
            os.kill(server.process.pid, signal.SIGSTOP)

        def __exit__(self, *exc):
            os.kill(server.process.pid, signal.SIGCONT)

    yield Freeze
    os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


@pytest.fixture
def acme(make_tenant, in_tenant):
    tenant = make_tenant("acme")
    with in_tenant(tenant):
        UserFactory(username="boss", is_superuser=True)
    return tenant


def sign_in(client: Client):
    return client.post("/admin/login/?next=/admin/", {"username": "boss", "password": PASSWORD})


def signed_in(client: Client) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def thief_with_cookie_of(client: Client, tenant_client, tenant, settings) -> Client:
    thief = tenant_client(tenant)
    thief.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return thief


def session_rows(in_tenant, tenant) -> set[str]:
    with in_tenant(tenant):
        return set(Session.objects.values_list("session_key", flat=True))


def test_a_sign_out_during_a_redis_hang_never_leaves_a_session_that_comes_back(
    acme, frozen_redis, tenant_client, in_tenant, settings
):
    client = tenant_client(acme)
    assert sign_in(client).status_code == 302 and signed_in(client)  # cached in Redis now
    thief = thief_with_cookie_of(client, tenant_client, acme, settings)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    with frozen_redis():
        response = client.post("/admin/logout/")
        # Either the sign-out is refused as a whole (the session stays, and says so) ...
        assert response.status_code == 503, response.status_code
        assert "it was left as it was" in response.content.decode()
        assert key in session_rows(in_tenant, acme)
        assert client.cookies[settings.SESSION_COOKIE_NAME].value == key  # cookie not dropped

    assert signed_in(client) and signed_in(thief)  # ... exactly as the page said
    assert client.post("/admin/logout/").status_code in (200, 302)  # Redis answers: done
    assert key not in session_rows(in_tenant, acme)
    with frozen_redis():
        pass  # whatever Redis does from here on, the deleted session stays deleted
    assert not signed_in(thief)


def test_stock_cached_db_resurrects_the_session_the_same_scenario_would(
    acme, frozen_redis, tenant_client, in_tenant, settings
):
    """Why tenancy.sessions exists: Django's own cached_db, same steps, signs the cookie in again."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = tenant_client(acme)
    sign_in(client)
    assert signed_in(client)
    thief = thief_with_cookie_of(client, tenant_client, acme, settings)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    with frozen_redis():
        assert client.post("/admin/logout/").status_code in (200, 302)
        assert key not in session_rows(in_tenant, acme)  # the row is deleted ...
    assert signed_in(thief)  # ... and the stale cache entry lets the cookie in again


def test_a_rotation_during_a_redis_hang_never_leaves_the_old_key_usable(
    acme, frozen_redis, tenant_client, in_tenant, settings
):
    """Signing in rotates the key of the visitor's session (here: one that applied to a job)."""
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    assert client.post(f"/jobs/{job.pk}/apply/", APPLICATION).status_code == 302
    old = thief_with_cookie_of(client, tenant_client, acme, settings)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    thanks = f"/jobs/{job.pk}/apply/thanks/"
    assert old.get(thanks).status_code == 200  # the old key's session is live

    with frozen_redis():
        assert sign_in(client).status_code == 503  # the rotation waits for the cache
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == old_key
    assert old.get(thanks).status_code == 200 and not signed_in(client)  # nothing changed

    assert sign_in(client).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != old_key and signed_in(client)
    assert client.get(thanks).status_code == 200  # the data moved to the new key
    assert old_key not in session_rows(in_tenant, acme)
    with frozen_redis():
        pass
    assert old.get(thanks).status_code == 302  # the old key is gone for good


def test_pages_and_fresh_sign_ins_carry_on_during_the_hang(acme, frozen_redis, tenant_client):
    client = tenant_client(acme)
    sign_in(client)
    with frozen_redis():
        assert signed_in(client)
        fresh = tenant_client(acme)
        assert sign_in(fresh).status_code == 302 and signed_in(fresh)


def test_a_signed_in_page_reads_its_session_from_redis_not_the_database(acme, frozen_redis,
                                                                         tenant_client):
    """cached_db's benefit is kept: while Redis answers, no session query per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = tenant_client(acme)
    sign_in(client)
    with CaptureQueriesContext(connection) as queries:
        assert signed_in(client)
    assert queries.captured_queries  # the page does read the database (the user) ...
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]  # ... not sessions

"""Redis is a cache in front of the database: when it stops, nothing breaks; it heals by itself."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from tests.servers import RedisServer, free_port

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def own_redis(settings, tmp_path):
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    cache_settings = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{server.port}/0"}
    settings.CACHES = {"default": cache_settings}
    yield server
    server.stop()


@pytest.fixture
def acme(make_tenant, in_tenant):
    tenant = make_tenant("acme")
    with in_tenant(tenant):
        User.objects.create_user("acme-staff", password=PASSWORD, is_staff=True, is_superuser=True)
    return tenant


def test_sign_in_and_pages_work_while_redis_is_down_and_the_cache_heals(acme, own_redis, tenant_client):
    client = tenant_client(acme)
    assert client.post("/admin/login/?next=/admin/",
                       {"username": "acme-staff", "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200

    own_redis.stop()
    assert client.get("/admin/").status_code == 200  # the session comes from PostgreSQL
    assert client.get("/jobs/").status_code == 200
    other = tenant_client(acme)
    assert other.post("/admin/login/?next=/admin/",
                      {"username": "acme-staff", "password": PASSWORD}).status_code == 302
    assert other.get("/admin/careers/job/").status_code == 200
    assert cache.get("anything") is None  # errors are swallowed, never raised

    own_redis.start()  # same port: redis-py reconnects by itself
    cache.set("after-outage", "back")
    assert cache.get("after-outage") == "back"
    assert client.get("/admin/").status_code == 200


def test_readyz_reports_redis_down_with_503(acme, own_redis, tenant_client):
    assert tenant_client(acme).get("/readyz").json()["checks"]["cache"] == "ok"
    own_redis.stop()
    response = tenant_client(acme).get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["cache"].startswith("error")
    assert response.json()["checks"]["database:default"] == "ok"

import pytest

pytestmark = pytest.mark.django_db(databases="__all__")  # /readyz checks every alias


def test_healthz_and_readyz_answer_on_every_host(make_tenant, tenant_client, platform_client):
    acme = make_tenant("acme")
    for client in (tenant_client(acme), platform_client):
        assert client.get("/healthz").content == b"ok\n"
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ok"
        assert set(ready.json()["checks"]) >= {"database:default", "cache"}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_readyz_is_503_when_a_database_is_unreachable(platform_client, settings):
    from django.db import connections

    broken = {**settings.DATABASES["default"], "PORT": 1, "HOST": "127.0.0.1", "CONN_MAX_AGE": 0}
    # A real alias whose server does not answer (nothing listens on port 1).
    connections.settings["unreachable"] = broken
    settings.DATABASES = {**settings.DATABASES, "unreachable": broken}
    try:
        response = platform_client.get("/readyz")
    finally:
        connections["unreachable"].close()
        del connections.settings["unreachable"]
    assert response.status_code == 503
    assert response.json()["checks"]["database:unreachable"].startswith("error")
    assert response.json()["checks"]["database:default"] == "ok"

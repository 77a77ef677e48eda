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


@pytest.mark.parametrize("behind_proxy, meta", [
    (False, {"REMOTE_ADDR": "203.0.113.9"}),
    (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"}),
])
def test_readyz_shows_anyone_else_the_status_only(make_tenant, tenant_client, platform_client, settings,
                                                  behind_proxy, meta):
    settings.BEHIND_PROXY = behind_proxy
    for client in (tenant_client(make_tenant("acme")), platform_client):
        response = client.get("/readyz", **meta)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert b"database" not in response.content


def test_readyz_details_go_to_the_allowed_addresses(platform_client, settings):
    settings.READYZ_DETAIL_ALLOWED_IPS = ["10.1.0.0/16"]
    assert "checks" in platform_client.get("/readyz", REMOTE_ADDR="10.1.2.3").json()
    assert "checks" not in platform_client.get("/readyz", REMOTE_ADDR="127.0.0.1").json()
    settings.BEHIND_PROXY = True  # a client's own X-Forwarded-For entries prove nothing
    forged = platform_client.get("/readyz", REMOTE_ADDR="127.0.0.1",
                                 HTTP_X_FORWARDED_FOR="10.1.2.3, 198.51.100.7")
    assert "checks" not in forged.json()

"""deploy/gunicorn.conf.py: workers and threads from the environment; forwarded headers trusted
only behind the proxy (BEHIND_PROXY=true), as in Django's settings."""

import runpy

from tests.servers import GUNICORN_CONF


def load(monkeypatch, **environment) -> dict:
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "BEHIND_PROXY", "GUNICORN_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_workers_and_threads_come_from_the_environment(monkeypatch):
    config = load(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="4")
    assert (config["workers"], config["threads"], config["worker_class"]) == (3, 4, "gthread")
    single = load(monkeypatch, GUNICORN_WORKERS="2", GUNICORN_THREADS="1")
    assert single["worker_class"] == "sync"


def test_forwarded_headers_are_trusted_only_behind_the_proxy(monkeypatch):
    assert load(monkeypatch)["forwarded_allow_ips"] == ""
    assert load(monkeypatch, BEHIND_PROXY="false")["forwarded_allow_ips"] == ""
    assert load(monkeypatch, BEHIND_PROXY="true")["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert load(monkeypatch, BEHIND_PROXY="true", GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.5")[
        "forwarded_allow_ips"] == "10.0.0.5"

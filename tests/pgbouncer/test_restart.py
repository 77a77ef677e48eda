"""pgbouncer restarted under traffic: no response ever shows another tenant's data, errors
(503, never 500) come only while it is down, and gunicorn recovers by itself."""

import time

import pytest

from tests.pgbouncer import load
from tests.pgbouncer.fixtures import STAFF_PASSWORD, server_environment
from tests.servers import pgbouncer_start

pytestmark = [pytest.mark.live, pytest.mark.django_db(databases="__all__")]


class TimedClient(load.Client):
    """The leak test's client, with every answer timestamped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeline: list[tuple[float, float, int]] = []  # (sent, answered, status)

    def get(self, tenant, path, kind, own=True, form=None):
        sent = time.monotonic()
        response = super().get(tenant, path, kind, own=own, form=form)
        self.timeline.append((sent, time.monotonic(), response.status))
        return response


@pytest.fixture
def own_pgbouncer(django_db_setup):
    bouncer = pgbouncer_start(default_pool_size=2, reserve_pool_size=0, max_db_connections=2)
    yield bouncer
    bouncer.stop()


def test_pgbouncer_restarted_under_traffic_leaks_nothing_and_errs_only_while_down(
    own_pgbouncer, live_tenants, gunicorn_factory,
):
    server = gunicorn_factory(env=server_environment(own_pgbouncer), workers=3, threads=4)
    report = load.LoadReport()
    clients = [TimedClient(number, server.port, live_tenants, 10**9, report, STAFF_PASSWORD)
               for number in range(8)]
    for client in clients:
        client.start()
    try:
        deadline = time.monotonic() + 120
        while min(client.sent for client in clients) < 2 * len(live_tenants) + 10:  # signed in, flowing
            assert time.monotonic() < deadline, "the clients did not get going"
            time.sleep(0.2)
        down = time.monotonic()
        own_pgbouncer.restart(down_seconds=2)
        up = time.monotonic()
        deadline = up + 120
        while sum(1 for client in clients for sent, _, _ in list(client.timeline) if sent > up + 2) < 100:
            assert time.monotonic() < deadline, "traffic did not flow again"
            time.sleep(0.2)
    finally:
        for client in clients:
            client.quota = 0
        for client in clients:
            client.join(60)
    failures = [client.failure for client in clients if client.failure is not None]
    assert not failures, failures[0]

    timeline = sorted(entry for client in clients for entry in client.timeline)
    errors = [(sent, answered, status) for sent, answered, status in timeline if status >= 500]
    window = (min(answered for _, answered, _ in errors) - down, max(sent for sent, _, _ in errors) - up) if errors else None
    print(f"\npgbouncer restart: {report.summary()}; down {up - down:.1f}s; "
          f"errors from {window and round(window[0], 2)}s after the stop to {window and round(window[1], 2)}s after the start")
    assert not report.leaks, report.leaks[:5]
    assert not report.wrong, report.wrong[:5]
    assert {status for _, _, status in errors} <= {503}  # "temporarily unavailable", never a 500
    # Errors only while pgbouncer was away, and a little after while pools reconnect.
    assert all(answered >= down and sent <= up + 2 for sent, answered, _ in errors), errors[:5]
    after = [status for sent, _, status in timeline if sent > up + 2]
    assert len(after) >= 100 and all(status < 500 for status in after)
    assert sum(1 for sent, _, _ in timeline if sent < down) > 50

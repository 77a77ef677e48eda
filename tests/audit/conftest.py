"""Fixtures of the audit tests."""

import pytest
from django.db import connections

from tests.audit.tcp_proxy import TcpProxy


@pytest.fixture
def mysql_route():
    """Point the ``audit`` alias at a proxy in front of MariaDB; the test cuts and restores it."""
    audit = connections["audit"]
    saved = dict(audit.settings_dict)
    proxy = TcpProxy((saved["HOST"] or "127.0.0.1", int(saved["PORT"] or 3306))).start()
    audit.close()
    audit.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
    yield proxy
    proxy.stop()
    audit.close()
    audit.settings_dict.update(HOST=saved["HOST"], PORT=saved["PORT"])

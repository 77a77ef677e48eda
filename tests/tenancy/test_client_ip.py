"""The one function that says which address a request came from."""

import pytest
from django.test import RequestFactory

from tenancy.client_ip import client_ip, ip_in


@pytest.mark.parametrize("behind_proxy, meta, expected", [
    (False, {"REMOTE_ADDR": "203.0.113.9"}, "203.0.113.9"),
    (False, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "127.0.0.1"),
    (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
    # Only the entry nginx appended counts; whatever the client wrote before it is ignored.
    (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.1, 198.51.100.4"},
     "198.51.100.4"),
    (True, {"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
    (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, not-an-ip"}, None),
    (True, {"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": " 2001:DB8::1 "}, "2001:db8::1"),
    (False, {"REMOTE_ADDR": ""}, None),
])
def test_client_ip(settings, behind_proxy, meta, expected):
    settings.BEHIND_PROXY = behind_proxy
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR")
    request.META.update(meta)
    assert client_ip(request) == expected


def test_ip_in_networks():
    assert ip_in("127.0.0.5", ["127.0.0.1/8"]) and ip_in("::1", ["127.0.0.1/8", "::1"])
    assert not ip_in("10.0.0.1", ["127.0.0.1/8"]) and not ip_in(None, ["0.0.0.0/0"])

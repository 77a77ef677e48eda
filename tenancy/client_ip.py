"""The client's address: the ONE place that decides which address a request came from.

Behind our own reverse proxy (``BEHIND_PROXY``) the TCP peer is nginx, which appends the
address it saw to ``X-Forwarded-For``; only that last entry is ours, every earlier one was
written by the client and proves nothing. Without a proxy, the TCP peer is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The normalized client address of ``request``, or None when it is not an IP address."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1]  # the hop our own proxy appended
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def ip_in(address: str | None, networks) -> bool:
    """Whether ``address`` lies in any of ``networks`` (addresses or CIDR blocks)."""
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)

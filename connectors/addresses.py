"""Which network addresses Gatepost may reach: the private-or-local host test, and an httpx
hook that refuses a redirect to such a host at run time.

A feed address in the profile is checked when the profile loads (monitor/settings.py), but
a public feed can still answer with a redirect to 127.0.0.1 or a cloud metadata address;
the hook stops that before the request is sent.  Not covered: a public name whose DNS
answer is itself a private address (rebinding); that needs an egress firewall.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import httpx

from connectors.base import ConnectorError

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def private_host(host: str | None) -> bool:
    """A host on this machine or a private, link-local or reserved network (where a feed or
    webhook address would let a profile reach the school's own services or a cloud metadata
    endpoint instead of the internet)."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def refuse_private_redirects(what: str) -> Callable[[httpx.Response], None]:
    """An httpx response hook: a redirect whose target is a private or local host is a
    permanent `ConnectorError` naming `what` (never the address, which may be hostile)."""

    def hook(response: httpx.Response) -> None:
        # Hooks run before httpx builds the next request, so the target is read from Location.
        if response.has_redirect_location:
            target = response.request.url.join(response.headers["location"])
            if private_host(target.host):
                raise ConnectorError(
                    f"{what}: redirect to a private or local address refused", permanent=True
                )

    return hook

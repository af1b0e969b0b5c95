"""Which networks the portal may connect to on a user's behalf (connection tests, browsing, loads).

A destination host is resolved and every address it resolves to is checked before any connection
is tried, so a name pointing at the cloud metadata service is refused like its address. Loopback
stays allowed by default: the embedded stack and the tests use it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any

from portal.core.errors import ValidationFailedError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Link-local (IPv4 and IPv6) and the metadata endpoints of the clouds: 169.254.169.254 sits in the
# first, AWS's IPv6 fd00:ec2::254 needs naming.
DEFAULT_DENYLIST = ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128")
Resolver = Callable[[str], Sequence[str]]


class DestinationRefusedError(ValidationFailedError):
    """A destination the network policy forbids; 422 before any connection is attempted."""


def system_resolver(host: str) -> list[str]:
    infos: list[tuple[Any, ...]] = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def parse_networks(values: Sequence[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def check_host(
    host: str,
    denylist: Sequence[IPNetwork],
    allowlist: Sequence[IPNetwork],
    resolve: Resolver = system_resolver,
) -> None:
    """Raise DestinationRefusedError when any address of `host` is denied, or outside a set allowlist.

    A name that does not resolve passes: nothing can be reached through it, and the driver says so.
    """
    try:
        addresses = [_address(raw) for raw in resolve(host)]
    except (OSError, UnicodeError):
        return
    for address in addresses:
        if any(address in network for network in denylist if network.version == address.version):
            _refuse(host, address, "is in NETWORK_DENYLIST (link-local and cloud metadata by default)")
        if allowlist and not any(
            address in network for network in allowlist if network.version == address.version
        ):
            _refuse(host, address, "is outside NETWORK_ALLOWLIST")


def _address(raw: str) -> IPAddress:
    address = ipaddress.ip_address(raw.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    return address


def _refuse(host: str, address: IPAddress, why: str) -> None:
    shown = host if host == str(address) else f"{host} ({address})"
    raise DestinationRefusedError(
        f"Connections to {shown} are not allowed: the address {why}",
        error="DestinationRefused",
        host=host,
        address=str(address),
    )

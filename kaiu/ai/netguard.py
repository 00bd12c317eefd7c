"""Refuse provider URLs that would make the server fetch internal addresses (SSRF).

A tenant types a base URL and our server calls it, so the URL must be http(s) and every
address its host resolves to must be public, unless ALLOW_PRIVATE_PROVIDER_HOSTS is on
(a self-hoster pointing at a local Ollama). The URL is checked when settings are saved,
and the address is checked again at connect time by `GuardedBackend`, which connects to
the very address it vetted: a DNS answer that changes between the two (rebinding) cannot
slip an internal address in.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore2
from django.conf import settings


class UnsafeURL(ValueError):
    pass


# IPv6 ranges that carry an IPv4 address in their last 32 bits; a packet sent to one may be
# delivered to that IPv4 host (by the kernel, a NAT64 gateway on an IPv6-only cloud, ...).
_IPV4_IN_LAST_32_BITS = [
    ipaddress.ip_network("::/96"),  # IPv4-compatible (RFC 4291, deprecated); :: and ::1 too
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
]
# The local-use NAT64 prefix (RFC 8215) is not globally reachable (IANA), and where the IPv4
# address sits in it depends on the prefix length each network picks (RFC 6052): it is
# refused whole rather than read at a guessed position.
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address that `ip` wraps, if any: where a connection to it may really go."""
    if ip.ipv4_mapped:  # ::ffff:a.b.c.d
        return ip.ipv4_mapped
    if ip.sixtofour:  # 2002:AABB:CCDD::/48, 6to4
        return ip.sixtofour
    if ip.teredo:  # 2001::/32: (server, client); ipaddress undoes the client's inverted bits
        return ip.teredo[1]
    if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """True if `address` is globally reachable, judged by the IPv4 host it wraps if it wraps one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6:
        if ip in _NAT64_LOCAL_USE:
            return False
        ip = _embedded_ipv4(ip) or ip
    return ip.is_global


def vetted_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them public (or private hosts allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURL(f"The host {host!r} could not be found (DNS). Check the base URL.") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.ALLOW_PRIVATE_PROVIDER_HOSTS:
        for address in addresses:
            if not is_public_address(address):
                # The address itself is not echoed: that would map internal names for a tenant.
                raise UnsafeURL(
                    "The base URL points to a private or local address. Use a public server, or ask your "
                    "administrator to allow private provider hosts.")
    return addresses


def check_provider_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is an http(s) URL whose host resolves to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("The base URL must start with http:// or https://.")
    if not parts.hostname:
        raise UnsafeURL("The base URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("Put credentials in the API key field, not in the URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("The base URL has an invalid port.") from exc
    vetted_addresses(parts.hostname, port)


class GuardedBackend(httpcore2.SyncBackend):
    """Resolve, vet and connect to the vetted address; TLS still verifies the host name,
    since httpcore passes the request's host to start_tls separately."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        host = host.decode() if isinstance(host, bytes) else host
        last_error = None
        for address in vetted_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except httpcore2.ConnectError as exc:
                last_error = exc
        raise last_error or httpcore2.ConnectError(f"Could not connect to {host}")

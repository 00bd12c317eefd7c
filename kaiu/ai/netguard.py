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


def vetted_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them public (or private hosts allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURL(f"The host {host!r} could not be found.") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.ALLOW_PRIVATE_PROVIDER_HOSTS:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if getattr(ip, "ipv4_mapped", None):
                ip = ip.ipv4_mapped
            if not ip.is_global:
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

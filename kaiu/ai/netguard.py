"""Refuse provider URLs that would make the server fetch internal addresses (SSRF).

A tenant types a base URL and our server calls it, so the URL must be http(s) and every
address its host resolves to must be public, unless ALLOW_PRIVATE_PROVIDER_HOSTS is on
(a self-hoster pointing at a local Ollama). The check runs when settings are saved and
again before every request, since DNS answers can change between the two.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    pass


def _addresses(host: str, port: int) -> set[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURL(f"The host {host!r} could not be found.") from exc
    return {info[4][0] for info in infos}


def check_provider_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is an http(s) URL whose host resolves to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("The base URL must start with http:// or https://.")
    if not parts.hostname:
        raise UnsafeURL("The base URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("Put credentials in the API key field, not in the URL.")
    if settings.ALLOW_PRIVATE_PROVIDER_HOSTS:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in _addresses(parts.hostname, port):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise UnsafeURL(
                f"The base URL points to a private or local address ({ip}). "
                "Use a public server, or ask your administrator to allow private provider hosts."
            )

"""The SSRF guard reads the IPv4 address inside every IPv6 form that wraps one: on an
IPv6-only cloud with NAT64, [64:ff9b::7f00:1] is 127.0.0.1."""

import pytest

from kaiu.ai.netguard import GuardedBackend, UnsafeURL, check_provider_url

WRAPPING_PRIVATE_IPV4 = {
    "compatible": "http://[::127.0.0.1]:8091/v1",
    "compatible, metadata": "http://[::a9fe:a9fe]/latest",
    "mapped": "http://[::ffff:10.0.0.1]/v1",
    "translated": "http://[::ffff:0:7f00:1]/v1",
    "translated, private": "http://[::ffff:0:192.168.1.1]/v1",
    "NAT64 well-known": "http://[64:ff9b::7f00:1]/v1",
    "NAT64 well-known, metadata": "http://[64:ff9b::a9fe:a9fe]/latest",
    "NAT64 well-known, private": "http://[64:ff9b::10.1.2.3]/v1",
    "NAT64 local-use": "http://[64:ff9b:1::7f00:1]/v1",
    "NAT64 local-use, /48 layout": "http://[64:ff9b:1:7f00:0:100::]/v1",
    "6to4": "http://[2002:7f00:1::]/v1",
    "6to4, private": "http://[2002:a00:1::1]/v1",
    # Teredo keeps the client's address with every bit inverted: 80ff:fffe is 127.0.0.1.
    "Teredo": "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/v1",
    "Teredo, private": "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/v1",
}

WRAPPING_PUBLIC_IPV4 = {
    "mapped": "http://[::ffff:8.8.8.8]/v1",
    "NAT64 well-known": "http://[64:ff9b::8.8.8.8]/v1",
    "6to4": "http://[2002:808:808::1]/v1",
    "Teredo": "http://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/v1",
}


@pytest.fixture
def private_hosts_refused(settings):
    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = False


@pytest.mark.parametrize("url", WRAPPING_PRIVATE_IPV4.values(), ids=WRAPPING_PRIVATE_IPV4.keys())
def test_ipv6_wrapping_a_private_ipv4_is_refused(private_hosts_refused, url):
    with pytest.raises(UnsafeURL, match="private or local address"):
        check_provider_url(url)


@pytest.mark.parametrize("url", WRAPPING_PRIVATE_IPV4.values(), ids=WRAPPING_PRIVATE_IPV4.keys())
def test_the_connect_time_guard_refuses_them_too(private_hosts_refused, url):
    host = url.split("[")[1].split("]")[0]
    with pytest.raises(UnsafeURL):
        GuardedBackend().connect_tcp(host, 80)


@pytest.mark.parametrize("url", WRAPPING_PUBLIC_IPV4.values(), ids=WRAPPING_PUBLIC_IPV4.keys())
def test_ipv6_wrapping_a_public_ipv4_is_accepted(private_hosts_refused, url):
    check_provider_url(url)


@pytest.mark.parametrize("url", ["http://[2606:4700:4700::1111]/v1", "https://[2a00:1450:4001:80b::200e]/v1"])
def test_plain_public_ipv6_is_accepted(private_hosts_refused, url):
    check_provider_url(url)

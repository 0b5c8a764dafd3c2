from django.test import RequestFactory

from bcsp_site.core.visitors import client_ip, hash_ip, network_of, within_rate_limit


def behind_proxy():
    return RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4"
    )


def test_client_ip_believes_forwarded_for_only_as_far_as_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(behind_proxy()) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(behind_proxy()) == "198.51.100.4"
    assert client_ip(behind_proxy(), trusted_proxies=2) == "203.0.113.9"
    assert client_ip(behind_proxy(), trusted_proxies=3) == "10.0.0.1"


def test_ip_hashes_are_kept_apart_per_purpose_and_secret():
    assert hash_ip("192.0.2.1", "comments") == hash_ip("192.0.2.1", "comments")
    assert hash_ip("192.0.2.1", "comments") != hash_ip("192.0.2.1", "newsletter")
    assert hash_ip("192.0.2.1", "comments") != hash_ip("192.0.2.1", "comments", secret="s")
    assert "192.0.2.1" not in hash_ip("192.0.2.1", "comments")


def test_ipv6_addresses_count_per_64():
    assert network_of("2001:db8:1:2::1") == network_of("2001:db8:1:2:ffff::9")
    assert network_of("2001:db8:1:2::1") != network_of("2001:db8:1:3::1")
    assert network_of("192.0.2.1") == "192.0.2.1"


def test_rate_limit_counts_per_key_until_the_window_ends():
    assert [within_rate_limit("test:a", 2, 60) for _ in range(3)] == [True, True, False]
    assert within_rate_limit("test:b", 2, 60)

"""URLs made safe to store and log, and the SSRF policy: credentials and secrets stay out of
stored URLs and log messages, IPv6 forms that carry an IPv4 address are judged by it, and an
allow-list entry may be limited to one port."""

from __future__ import annotations

import ipaddress

import pytest

from transforms.ssrf import AllowList, embedded_ipv4, refusal
from transforms.urls import canonical_url, origin, redact_url, strip_userinfo, with_userinfo_of


@pytest.mark.parametrize(
    ("url", "stripped"),
    [
        ("http://u:p@host.example/a?b=c#d", "http://host.example/a?b=c#d"),
        ("https://u@host.example:8443/", "https://host.example:8443/"),
        ("http://a@b@host.example/", "http://host.example/"),
        ("http://evil.example\\@good.example/", "http://good.example/"),
        ("//u:p@host.example/x", "//host.example/x"),
        ("http://host.example/path@not-userinfo", "http://host.example/path@not-userinfo"),
        ("http://host.example/?next=http://u:p@x/", "http://host.example/?next=http://u:p@x/"),
        ("http://[::1/", "http://[::1/"),
    ],
)
def test_strip_userinfo(url, stripped):
    assert strip_userinfo(url) == stripped


def test_redact_url_masks_secret_query_values_only():
    url = ("https://u:p@cdn.example/a.xml?page=2&token=abc&API_KEY=1&apikey=2&sig=3&Signature=4&passwd=5"
           "&x-amz-signature=6&X-Goog-Credential=7&client_secret=8&access_token=9&sessionid=10&author=me"
           "&monkey=ok&key&keyword=ok#access_token=11")
    assert redact_url(url) == (
        "https://cdn.example/a.xml?page=2&token=***&API_KEY=***&apikey=***&sig=***&Signature=***&passwd=***"
        "&x-amz-signature=***&X-Goog-Credential=***&client_secret=***&access_token=***&sessionid=***&author=me"
        "&monkey=ok&key&keyword=ok#access_token=***"
    )
    assert redact_url(None) == "" and redact_url("http://[::1/?token=x") == "http://[::1/?token=***"


def test_url_helpers():
    assert canonical_url("http://u:p@Host.example/a") == "http://host.example/a"
    assert origin("HTTP://u:p@Host.example:8080/a?b") == "http://host.example:8080"
    assert origin("http://[::1/") is None
    creds = "http://u:p@host.example/feed"
    assert with_userinfo_of("http://host.example:80/new", creds) == "http://u:p@host.example:80/new"
    assert with_userinfo_of("https://host.example/new", creds) == "https://host.example/new"
    assert with_userinfo_of("http://other.example/new", creds) == "http://other.example/new"
    assert with_userinfo_of("http://x:y@host.example/new", creds) == "http://x:y@host.example/new"
    assert with_userinfo_of("http://host.example:99999/", creds) == "http://host.example:99999/"


@pytest.mark.parametrize(
    ("address", "carried", "kind"),
    [
        ("64:ff9b::7f00:1", "127.0.0.1", "loopback address 127.0.0.1 embedded in 64:ff9b::7f00:1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254", "link-local/metadata address 169.254.169.254"),
        ("2002:0a00:0001::1", "10.0.0.1", "private address 10.0.0.1 embedded in 2002:a00:1::1"),
        ("::127.0.0.1", "127.0.0.1", "loopback address 127.0.0.1 embedded in ::7f00:1"),
        ("::ffff:10.1.2.3", "10.1.2.3", "private address 10.1.2.3"),
        ("64:ff9b:1::808:808", None, "non-public address 64:ff9b:1::808:808"),
        ("::1", None, "loopback address ::1"),
    ],
)
def test_ipv6_forms_carrying_ipv4_are_judged_by_that_ipv4(address, carried, kind):
    found = embedded_ipv4(ipaddress.ip_address(address))
    assert (str(found) if found else None) == carried
    reason = refusal("evil.example", [address], AllowList(), 80)
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"])
def test_public_addresses_behind_ipv6_forms_are_allowed(address):
    assert refusal("ok.example", [address], AllowList(), 443) is None


def test_allow_list_entries_may_name_a_port():
    allow = AllowList.parse("127.0.0.1:8701, intranet.example:8080, [::1]:9000, fd00::7, wiki.example, x:nope")
    assert refusal("127.0.0.1", ["127.0.0.1"], allow, 8701) is None
    assert "loopback" in refusal("127.0.0.1", ["127.0.0.1"], allow, 8702)
    assert refusal("intranet.example", ["10.0.0.5"], allow, 8080) is None
    assert "private address 10.0.0.5" in refusal("intranet.example", ["10.0.0.5"], allow, 8081)
    assert refusal("::1", ["::1"], allow, 9000) is None and refusal("::1", ["::1"], allow, 9001)
    assert refusal("fd00::7", ["fd00::7"], allow, 1) is None
    assert refusal("wiki.example", ["10.9.9.9"], allow, 1234) is None
    assert refusal("x", ["10.0.0.1"], allow, 80) is not None  # a bad port allows nothing

import pytest
from django.test import RequestFactory

from core.network import client_ip, parse_networks


def request(remote="203.0.113.9", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request(forwarded="192.0.2.1")) == "203.0.113.9"


def test_header_from_an_untrusted_address_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request(forwarded="192.0.2.1")) == "203.0.113.9"


def test_chain_of_trusted_proxies_is_read_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    # The client wrote a forged first entry; the proxies appended what they saw.
    r = request(remote="127.0.0.1", forwarded="1.2.3.4, 198.51.100.7, 10.1.2.3")
    assert client_ip(r) == "198.51.100.7"


def test_all_hops_trusted_gives_the_leftmost(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request(remote="10.0.0.1", forwarded="10.0.0.9")) == "10.0.0.9"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("", "10.0.0.1"),
        ("not-an-address", "10.0.0.1"),
        ("198.51.100.7, garbage", "10.0.0.1"),
        ("garbage, 198.51.100.7", "198.51.100.7"),
        ("198.51.100.7:51234", "198.51.100.7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("198.51.100.7\x00", "10.0.0.1"),
    ],
)
def test_malformed_and_unusual_entries(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request(remote="10.0.0.1", forwarded=forwarded)) == expected


def test_no_request_or_no_address():
    assert client_ip(None) is None
    assert client_ip(request(remote="")) is None


def test_bad_proxy_setting_is_named():
    with pytest.raises(ValueError, match="10.0.0.300"):
        parse_networks(["10.0.0.0/8", "10.0.0.300"])


def _secure_seen(settings, remote):
    """request.is_secure() as a view behind the middleware sees it, the header claiming HTTPS."""
    from core.network import ForwardedProtoMiddleware

    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return None

    r = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
    ForwardedProtoMiddleware(view)(r)
    return seen["secure"]


def test_forwarded_proto_is_believed_from_a_trusted_proxy_only(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _secure_seen(settings, "10.0.0.5") is True
    assert _secure_seen(settings, "203.0.113.9") is False


def test_forwarded_proto_from_a_client_does_not_skip_the_https_redirect(client, settings):
    settings.TRUSTED_PROXIES = []
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")

"""The client's address, the one function the lockout, the audit log and the session list use.

`X-Forwarded-For` is believed only when the request comes from a configured trusted proxy
(settings.TRUSTED_PROXIES): anyone else could write any address into that header. Behind a
chain of trusted proxies the header is read from the right, and the first address that is not
itself a trusted proxy is the client."""

import ipaddress
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR networks; a bad entry raises ValueError naming it."""
    networks = []
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ValueError(f"not an IP address or network: {value!r}") from exc
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(values)


def _address(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "10.0.0.1:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def from_trusted_proxy(request) -> bool:
    """Whether `request` came straight from a proxy listed in settings.TRUSTED_PROXIES."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES or ()))
    return remote is not None and any(remote in network for network in trusted)


class ForwardedProtoMiddleware:
    """Drop `X-Forwarded-Proto` unless a trusted proxy sent the request.

    Django believes SECURE_PROXY_SSL_HEADER from anyone; a client talking to the app server
    directly could claim HTTPS over plain HTTP and skip the redirect. First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_X_FORWARDED_PROTO" in request.META and not from_trusted_proxy(request):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The address of the client that sent `request` (None without a request or address)."""
    if request is None:
        return None
    meta = request.META
    remote = _address(meta.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES or ()))

    def is_trusted(address: IPAddress) -> bool:
        return any(address in network for network in trusted)

    if not trusted or not is_trusted(remote):
        return str(remote)
    client = remote
    hops = (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed entry: nothing to its left can be believed
        client = address
        if not is_trusted(address):
            break
    return str(client)

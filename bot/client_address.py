"""Who is on the other end of a request: its address and whether it came over TLS, believing
X-Forwarded-For and X-Forwarded-Proto only from the proxies named in TRUSTED_PROXIES (anyone
else could write them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web

Network = IPv4Network | IPv6Network


@dataclass(frozen=True)
class Client:
    address: str
    secure: bool


def _ip(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_of(request: web.Request, proxies: Sequence[Network]) -> Client:
    """The client's address and whether it used TLS. Behind trusted proxies, the address is the
    last one in X-Forwarded-For that is not itself a trusted proxy (each proxy appends the
    address it was called from, so the ones before it may be forged)."""
    peer = request.remote or ""
    if not _trusted(_ip(peer), proxies):
        return Client(peer, request.secure)
    address = peer
    for hop in reversed(",".join(request.headers.getall("X-Forwarded-For", [])).split(",")):
        hop_ip = _ip(hop)
        if hop_ip is None:
            break
        address = str(hop_ip)
        if not _trusted(hop_ip, proxies):
            break
    forwarded_proto = request.headers.get("X-Forwarded-Proto", "")
    proto = forwarded_proto.split(",")[-1].strip().lower()
    return Client(address, request.secure or proto == "https")

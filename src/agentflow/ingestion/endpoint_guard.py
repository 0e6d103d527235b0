"""Where a tenant's embedding model may point: public addresses, and the internal hosts the
operator lists.

A tenant admin names the ``base_url`` the server then calls with the tenant's documents. Left
open, that is a server-side request forgery: an admin of one tenant could make the server
probe the cloud's metadata service or an internal admin port and read what comes back in the
error message. So every address the host resolves to must be public, unless the operator
listed the host (or its address range) in ``AGENTFLOW_EMBEDDING__INTERNAL_ENDPOINTS``, as for a
model served beside the platform (``localhost``, ``embeddings.internal``, ``10.0.0.0/8``). The
check runs when the model is set and again before every request to it (redirects are not
followed), so a name that later resolves elsewhere is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import structlog

from agentflow.domain.errors import UnusableEmbeddingModel

log = structlog.get_logger(__name__)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 / 8215;
# IPv4-translated, RFC 2765).
_TRANSLATED = tuple(ipaddress.ip_network(prefix) for prefix in (
    "64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: mapped, 6to4, Teredo, NAT64, translated,
    compatible."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in prefix for prefix in _TRANSLATED) or int(address) >> 32 == 0:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _internal(address: Address) -> bool:
    """Whether ``address`` (or the IPv4 address inside it) is not a public unicast one."""
    candidates: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)):
        candidates.append(inner)
    return any(not a.is_global or a.is_multicast for a in candidates)


def _host_entry(entry: str) -> str:
    """An operator's entry as a bare host name: ``http://host:8000/`` and ``host:8000`` are
    ``host``."""
    text = entry.strip()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.lower().rstrip(".")


@dataclass(frozen=True)
class EndpointGuard:
    """Checks a model's ``base_url`` (or any URL about to be requested) before it is called."""

    hosts: frozenset[str] = frozenset()  # internal host names allowed, lower case
    networks: tuple[Network, ...] = field(default=())  # internal address ranges allowed

    @classmethod
    def allowing(cls, entries: Iterable[str]) -> EndpointGuard:
        """From the operator's list: host names (a scheme or port is ignored), addresses and
        CIDR ranges."""
        hosts, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if host := _host_entry(entry):
                    hosts.add(host)
        return cls(frozenset(hosts), tuple(networks))

    async def check(self, url: str) -> None:
        """Raise ``UnusableEmbeddingModel`` unless ``url`` is http(s) to a host whose every
        address is public, or that the operator allowed. The refusal names no address: what
        a name resolves to inside the network is not the tenant's to learn."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower().rstrip(".")
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise UnusableEmbeddingModel("base_url is not a valid URL") from None
        if parts.scheme not in ("http", "https") or not host:
            raise UnusableEmbeddingModel("base_url must be an http or https URL with a host")
        if host in self.hosts:
            return
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise UnusableEmbeddingModel("the host of base_url does not resolve",
                                         host=host) from None
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if _internal(address) and not any(address in net for net in self.networks):
                log.warning("embedding_endpoint_refused", host=host, address=str(address))
                raise UnusableEmbeddingModel(
                    "base_url points at an internal address; an operator can allow it in "
                    "AGENTFLOW_EMBEDDING__INTERNAL_ENDPOINTS", host=host)

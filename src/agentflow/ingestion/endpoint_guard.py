"""Where a tenant's embedding model may point: public addresses, and the internal hosts the
operator lists.

A tenant admin names the ``base_url`` the server then calls with the tenant's documents. Left
open, that is a server-side request forgery: an admin of one tenant could make the server
probe the cloud's metadata service or an internal admin port and read what comes back in the
error message. So every address the host resolves to must be public, unless the operator
listed the host (or its address range) in ``AGENTFLOW_EMBEDDING__INTERNAL_ENDPOINTS``, as for a
model served beside the platform (``localhost``, ``embeddings.internal``, ``10.0.0.0/8``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from agentflow.domain.errors import UnusableEmbeddingModel

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


@dataclass(frozen=True)
class EndpointGuard:
    """Checks a model's ``base_url`` before the server calls it."""

    hosts: frozenset[str] = frozenset()  # internal host names allowed, lower case
    networks: tuple[Network, ...] = field(default=())  # internal address ranges allowed

    @classmethod
    def allowing(cls, entries: Iterable[str]) -> EndpointGuard:
        """From the operator's list: host names, addresses and CIDR ranges."""
        hosts, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    async def check(self, base_url: str) -> None:
        """Raise ``UnusableEmbeddingModel`` unless ``base_url`` is http(s) to a host whose
        every address is public, or that the operator allowed."""
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            raise UnusableEmbeddingModel("base_url must be an http or https URL with a host")
        if host in self.hosts:
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise UnusableEmbeddingModel("base_url has an invalid port") from None
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise UnusableEmbeddingModel(f"the host {host} of base_url does not resolve",
                                         host=host) from None
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if _internal(address) and not any(address in net for net in self.networks):
                raise UnusableEmbeddingModel(
                    f"base_url points at an internal address ({address}); an operator can "
                    "allow it in AGENTFLOW_EMBEDDING__INTERNAL_ENDPOINTS", host=host)
